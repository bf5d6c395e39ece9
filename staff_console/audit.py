"""Audit history for staff: the audit log filtered by actor, action, object (type and id) and the
participant concerned, for the page, its CSV export and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from accounts.models import AuditEntry


@dataclass
class AuditFilters:
    actor: str = ""  # e-mail or name contains
    action: str = ""  # contains
    object_type: int | None = None  # ContentType id
    object_id: str = ""  # exact
    subject: int | None = None  # the participant concerned (user id)

    @classmethod
    def from_params(cls, params: Any) -> AuditFilters:
        def as_int(value: Any) -> int | None:
            try:
                return int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                return None

        return cls(
            actor=(params.get("actor") or "").strip()[:200],
            action=(params.get("action") or "").strip()[:100],
            object_type=as_int(params.get("object_type")),
            object_id=(params.get("object_id") or "").strip()[:64],
            subject=as_int(params.get("subject")),
        )


def audit_entries(filters: AuditFilters) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.select_related("actor", "target_type", "subject_user").order_by("-at", "-id")
    if filters.actor:
        qs = qs.filter(actor_label__icontains=filters.actor)
    if filters.action:
        qs = qs.filter(action__icontains=filters.action)
    if filters.object_type:
        qs = qs.filter(target_type_id=filters.object_type)
    if filters.object_id:
        qs = qs.filter(target_id=filters.object_id)
    if filters.subject:
        qs = qs.filter(subject_user_id=filters.subject)
    return qs


def object_types() -> list[tuple[int, str]]:
    """The kinds of object the audit log mentions (one query over the distinct target types)."""
    ids = (
        AuditEntry.objects.exclude(target_type=None)
        .order_by()
        .values_list("target_type_id", flat=True)
        .distinct()
    )
    return sorted(
        ((ct.pk, f"{ct.app_label}: {ct.name}") for ct in ContentType.objects.filter(pk__in=ids)),
        key=lambda pair: pair[1],
    )


def row(entry: AuditEntry) -> list[Any]:
    return [
        entry.at.isoformat(),
        entry.actor_label or "system",
        entry.action,
        f"{entry.target_type.app_label}.{entry.target_type.model}" if entry.target_type else "",
        entry.target_id,
        entry.target_label,
        entry.subject_user.email if entry.subject_user else "",
        entry.reason,
        entry.changes,
    ]


COLUMNS = ["At", "Actor", "Action", "Object type", "Object id", "Object", "Participant", "Reason", "Changes"]
