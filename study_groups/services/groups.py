"""Creating and changing study groups (staff), and the mentor's reminder to members who are behind."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.errors import DomainError
from accounts.roles import Role, has_role
from accounts.services import audit_record

from ..models import GroupKind, Membership, MembershipStatus, StudyGroup
from ..schedule import parse_rule, zone
from .meetings import meetings_clear_future_unchanged, meetings_materialize
from .roster import waitlist_promote

PATTERN_FIELDS = ("recurrence_rule", "starts_on", "start_time", "time_zone", "duration_minutes", "ends_on")
EDITABLE_FIELDS = ("name", "cohort", "capacity", "video_link", "is_active", *PATTERN_FIELDS)


def _validate(values: dict[str, Any]) -> None:
    if values.get("capacity") is not None and values["capacity"] < 1:
        raise ValidationError({"capacity": "A group has room for at least one member."})
    parse_rule(values["recurrence_rule"], values["starts_on"], values["start_time"], values["time_zone"])
    if values.get("ends_on") and values["ends_on"] <= values["starts_on"]:
        raise ValidationError({"ends_on": "The last day comes after the first."})


def _check_mentors(mentors: Iterable[Any]) -> list[Any]:
    mentors = list(mentors)
    if not mentors:
        raise ValidationError({"mentors": "A group has at least one mentor."})
    not_mentors = [m for m in mentors if not has_role(m, Role.MENTOR)]
    if not_mentors:
        raise ValidationError({"mentors": f"{not_mentors[0]} does not hold the mentor role."})
    return mentors


@transaction.atomic
def group_create(
    *,
    actor: Any,
    kind: str,
    name: str,
    mentors: Iterable[Any],
    capacity: int,
    recurrence_rule: str,
    starts_on: date,
    start_time: time,
    time_zone: str,
    cohort: str = "",
    duration_minutes: int = 60,
    ends_on: date | None = None,
    video_link: str = "",
) -> StudyGroup:
    if kind not in GroupKind.values:
        raise ValidationError({"kind": "Choose the kind of group."})
    values = {
        "kind": kind,
        "name": name.strip(),
        "cohort": cohort.strip(),
        "capacity": capacity,
        "recurrence_rule": recurrence_rule.strip().removeprefix("RRULE:"),
        "starts_on": starts_on,
        "start_time": start_time,
        "time_zone": time_zone,
        "duration_minutes": duration_minutes,
        "ends_on": ends_on,
        "video_link": video_link,
    }
    if not values["name"]:
        raise ValidationError({"name": "Give the group a name."})
    _validate(values)
    mentor_list = _check_mentors(mentors)
    group = StudyGroup(**values, created_by=actor if getattr(actor, "is_authenticated", False) else None)
    group.full_clean()
    group.save()
    group.mentors.set(mentor_list)
    audit_record(
        actor=actor,
        action="study_group.created",
        target=group,
        changes={**{k: str(v) for k, v in values.items()}, "mentors": [m.email for m in mentor_list]},
    )
    # A group may be set up after its first meeting (records brought in): materialize from its first day.
    first_day = datetime.combine(group.starts_on, time.min, tzinfo=zone(group.time_zone))
    meetings_materialize(group=group, since=first_day)
    return group


@transaction.atomic
def group_update(
    *, actor: Any, group: StudyGroup, mentors: Iterable[Any] | None = None, **fields: Any
) -> StudyGroup:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    group = StudyGroup.objects.select_for_update().get(pk=group.pk)
    old = {k: getattr(group, k) for k in fields}
    if "recurrence_rule" in fields:
        fields["recurrence_rule"] = fields["recurrence_rule"].strip().removeprefix("RRULE:")
    merged = {k: fields.get(k, getattr(group, k)) for k in EDITABLE_FIELDS}
    _validate(merged)
    changed = {k: v for k, v in fields.items() if old[k] != v}
    for key, value in changed.items():
        setattr(group, key, value)
    group.full_clean()
    if changed:
        group.save(update_fields=list(changed))
    audit_changes: dict[str, Any] = {k: [str(old[k]), str(v)] for k, v in changed.items()}
    if mentors is not None:
        mentor_list = _check_mentors(mentors)
        before = sorted(group.mentors.values_list("email", flat=True))
        after = sorted(m.email for m in mentor_list)
        if before != after:
            group.mentors.set(mentor_list)
            audit_changes["mentors"] = [before, after]
    if audit_changes:
        audit_record(actor=actor, action="study_group.changed", target=group, changes=audit_changes)
    if set(changed) & set(PATTERN_FIELDS):
        meetings_clear_future_unchanged(group=group)
        meetings_materialize(group=group)
    if "capacity" in changed and changed["capacity"] > old["capacity"]:
        waitlist_promote(actor=actor, group=group)
    return group


@transaction.atomic
def reminders_send_to_behind(*, actor: Any, group: StudyGroup, membership_ids: list[int]) -> int:
    """Queue a reminder e-mail to each listed current member (after commit). The caller decides who is
    behind (selectors.console_rows); members of other groups are refused. Returns how many were queued."""
    members = list(
        Membership.objects.filter(
            group=group, status=MembershipStatus.ACTIVE, pk__in=membership_ids
        ).values_list("pk", flat=True)
    )
    if len(members) != len(set(membership_ids)):
        raise DomainError("Reminders go only to current members of this group.", code="not_a_member")
    if not members:
        return 0
    from ..notifications import queue_behind_reminders

    queue_behind_reminders(group.pk, members, getattr(actor, "pk", None))
    audit_record(
        actor=actor,
        action="study_group.reminders_queued",
        target=group,
        changes={"memberships": members},
    )
    return len(members)
