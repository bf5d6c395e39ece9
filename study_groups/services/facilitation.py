"""Trainer facilitation: a Phase II/TTT participant co-facilitates a Phase I group, as an observer in the
first year of their Phase II enrollment and as a facilitator from the second."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.services import audit_record
from enrollment.dates import months_between
from enrollment.models import ENROLLED_STATUSES, Enrollment, Phase

from ..models import Facilitation, FacilitationFeedback, GroupKind, StudyGroup

MONTHS_IN_A_YEAR = 12  # a calendar fact, not a program number: "year 1" is the first 12 months


def facilitation_year(enrollment: Enrollment, on: date) -> int:
    """Which year of their Phase II/TTT enrollment `on` falls in (1 from its start, 2 after 12 months…)."""
    if on < enrollment.start_date:
        return 1
    return months_between(enrollment.start_date, on) // MONTHS_IN_A_YEAR + 1


def facilitation_role(enrollment: Enrollment, on: date) -> str:
    if facilitation_year(enrollment, on) <= 1:
        return FacilitationFeedback.Role.OBSERVER
    return FacilitationFeedback.Role.FACILITATOR


def phase2_enrollment(trainer: Any) -> Enrollment | None:
    return (
        Enrollment.objects.filter(
            participant=trainer, phase=Phase.PHASE_2, status__in=sorted(ENROLLED_STATUSES)
        )
        .order_by("-start_date", "-id")
        .first()
    )


@transaction.atomic
def facilitation_assign(
    *, actor: Any, group: StudyGroup, trainer: Any, reason: str = "", at: datetime | None = None
) -> Facilitation:
    """Staff assign a Phase II/TTT participant to a Certification Study Group as co-facilitator."""
    at = at or timezone.now()
    if group.kind != GroupKind.CERTIFICATION:
        raise DomainError(
            "Trainers co-facilitate Certification Study Groups (Phase I) only. Nothing was changed.",
            code="invalid",
        )
    enrollment = phase2_enrollment(trainer)
    if enrollment is None:
        raise DomainError(
            f"{trainer} has no enrolled Phase II/TTT enrollment, so cannot co-facilitate. Nothing was changed.",
            code="not_enrolled",
        )
    if Facilitation.objects.filter(group=group, trainer=trainer, ended_at__isnull=True).exists():
        raise DomainError(f"{trainer} already co-facilitates {group.name}.", code="already_assigned")
    facilitation = Facilitation.objects.create(
        group=group,
        trainer=trainer,
        enrollment=enrollment,
        started_at=at,
        assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="study_group.facilitator_assigned",
        target=facilitation,
        reason=reason,
        changes={
            "group": group.name,
            "enrollment": enrollment.pk,
            "role": facilitation_role(enrollment, at.date()),
        },
    )
    return facilitation


@transaction.atomic
def facilitation_end(
    *, actor: Any, facilitation: Facilitation, reason: str, at: datetime | None = None
) -> Facilitation:
    at = at or timezone.now()
    if not (reason or "").strip():
        raise DomainError("Say why the assignment ends. Nothing was changed.", code="invalid")
    # Conditional update: two staff ending it at once end it once.
    ended = Facilitation.objects.filter(pk=facilitation.pk, ended_at__isnull=True).update(
        ended_at=at, ended_reason=reason.strip()
    )
    if not ended:
        raise DomainError("This assignment has already ended.", code="conflict")
    facilitation.refresh_from_db()
    audit_record(
        actor=actor,
        action="study_group.facilitator_ended",
        target=facilitation,
        reason=reason,
        changes={"group": facilitation.group.name},
    )
    return facilitation
