"""Maintenance years, their renewal, staff decisions on flagged years, and Re-Certification.

Each Maintenance year is its own enrollment (phase "maintenance", year_number n, previous = last year).
Renewing closes year n (completed) and opens year n+1 with its invoice; the metrics app's started hook
grants the year's tokens and the requirements app's makes the year's checklist.

Choices recorded here:
- A renewal may be made from the policy's first reminder (e.g. 60 days) before the year ends, once the
  year's requirements are met; after the year has ended, while renewal is due, at any time until the
  lapse threshold. Years are contiguous when renewed on time; a late renewal starts the new year on the
  day of renewal (the gap was not enrolled: no tokens, so it is not charged).
- A year whose requirements were not met is flagged by the daily job; until staff decide, it cannot be
  renewed. Staff either renew anyway or require Re-Certification.
- Re-Certification is one year at its fee, with no extensions; staff approve its completion, and
  Maintenance resumes with a new year 1 (annual renewals at the Maintenance fee).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError, NotAllowed
from accounts.roles import is_staff_member
from accounts.services import audit_record
from enrollment.dates import add_months
from enrollment.models import OPEN_STATUSES, Enrollment, EnrollmentStatus, Phase
from enrollment.services import (
    completion_problems,
    enrollment_change_status,
    enrollment_open,
    invoice_issue,
    policy_for,
)

from ..models import RecertificationRequirement, YearEndCheck
from ..selectors import latest_maintenance, recertification_required

S = EnrollmentStatus


class RenewalDecision:
    RENEW = "renew"
    RECERTIFY = "recertify"
    CHOICES = ((RENEW, "Renew anyway"), (RECERTIFY, "Require Re-Certification"))


def _issue_invoice(
    *, actor: Any, participant: Any, kind: str, enrollment: Enrollment, description: str, on: date
) -> Any:
    """The enrollment app owns the fee ledger; its `invoice_issue` records and audits the invoice."""
    return invoice_issue(
        actor=actor,
        participant=participant,
        kind=kind,
        amount=enrollment.rule.fee,
        description=description,
        enrollment=enrollment,
        issued_on=on,
        due_on=max(on, enrollment.start_date),
    )


def _check_actor(actor: Any, participant: Any) -> None:
    if not (getattr(actor, "pk", None) == participant.pk or is_staff_member(actor)):
        raise NotAllowed("Only the participant or NMN staff may do this.")


def _lock(enrollment: Enrollment) -> Enrollment:
    # Two clicks (or the participant and staff at once) must not open two next years.
    return (
        Enrollment.objects.select_for_update().select_related("policy", "participant").get(pk=enrollment.pk)
    )


def renewal_opens_on(enrollment: Enrollment) -> date:
    """The first day a Maintenance year may be renewed: the policy's earliest reminder before its end."""
    days = max([int(x) for x in enrollment.policy.reminder_days or []] or [0])
    return enrollment.term_end - timedelta(days=days)


def renewal_blockers(enrollment: Enrollment, today: date) -> list[str]:
    """Why this Maintenance year cannot be renewed today (empty: it can)."""
    if enrollment.phase != Phase.MAINTENANCE:
        return ["Only a Maintenance year is renewed."]
    reason = recertification_required(enrollment.participant)
    if reason:
        return [f"Re-Certification is required before renewing: {reason}"]
    if enrollment.status == S.ACTIVE:
        if today < renewal_opens_on(enrollment):
            return [f"Renewal opens on {renewal_opens_on(enrollment):%-d %B %Y}."]
        problems = completion_problems(enrollment, today)
        if problems:
            return ["Complete this year's requirements first: " + "; ".join(problems)]
        return []
    if enrollment.status == S.RENEWAL_DUE:
        if enrollment.flagged_for_review:
            return ["This year's requirements were not met: NMN staff will decide on the renewal."]
        return []
    return [f"A Maintenance year that is {enrollment.get_status_display().lower()} cannot be renewed."]


@transaction.atomic
def maintenance_start(
    *, actor: Any, participant: Any, previous: Enrollment | None = None, start_date: date | None = None
) -> Enrollment:
    """Open Maintenance year 1 (after Phase I/II, approved by staff) with its invoice."""
    start = start_date or timezone.localdate()
    enrollment = enrollment_open(
        actor=actor,
        participant=participant,
        phase=Phase.MAINTENANCE,
        start_date=start,
        previous=previous,
        year_number=1,
        reason="Maintenance started",
    )
    _issue_invoice(
        actor=actor,
        participant=participant,
        kind="maintenance",
        enrollment=enrollment,
        description=f"Maintenance year 1 ({start:%-d %b %Y} – {enrollment.term_end:%-d %b %Y})",
        on=timezone.localdate(),
    )
    return enrollment


@transaction.atomic
def maintenance_renew(
    *, actor: Any, enrollment: Enrollment, start_date: date | None = None, _decided: bool = False
) -> Enrollment:
    """Renew a Maintenance year: close it, issue the next year's invoice and open the next year."""
    _check_actor(actor, enrollment.participant)
    locked = _lock(enrollment)
    today = timezone.localdate()
    blockers = [] if _decided else renewal_blockers(locked, today)
    if blockers:
        raise DomainError(" ".join(blockers), code="renewal_refused")
    if start_date is not None and not is_staff_member(actor):
        raise NotAllowed("Only NMN staff choose another start date.")
    start = start_date or max(locked.term_end, today)
    enrollment_change_status(
        actor=actor,
        enrollment=locked,
        new_status=S.COMPLETED,
        reason=f"Renewed: Maintenance year {locked.year_number + 1} opened",
        on=min(today, locked.term_end),
        extra_fields={"flagged_for_review": False} if locked.flagged_for_review else None,
    )
    following = enrollment_open(
        actor=actor,
        participant=locked.participant,
        phase=Phase.MAINTENANCE,
        start_date=start,
        policy=policy_for(start),
        previous=locked,
        year_number=locked.year_number + 1,
        reason="Maintenance renewed",
    )
    _issue_invoice(
        actor=actor,
        participant=locked.participant,
        kind="maintenance",
        enrollment=following,
        description=(
            f"Maintenance year {following.year_number} "
            f"({start:%-d %b %Y} – {following.term_end - timedelta(days=1):%-d %b %Y})"
        ),
        on=today,
    )
    audit_record(
        actor=actor,
        action="maintenance.renewed",
        target=following,
        changes={
            "previous": locked.pk,
            "year_number": following.year_number,
            "start_date": start.isoformat(),
        },
    )
    enrollment.__dict__.update({"status": S.COMPLETED})
    return following


@transaction.atomic
def maintenance_decide_flagged(
    *, actor: Any, enrollment: Enrollment, decision: str, reason: str
) -> Enrollment:
    """Staff decide a Maintenance year flagged for unmet requirements. Returns the next year (renew) or
    the lapsed year (Re-Certification required)."""
    if not is_staff_member(actor):
        raise NotAllowed("Only NMN staff decide flagged Maintenance years.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why (it is recorded and shown to the participant).", code="invalid")
    locked = _lock(enrollment)
    if locked.phase != Phase.MAINTENANCE or not locked.flagged_for_review:
        raise DomainError("This Maintenance year is not waiting for a decision.", code="conflict")
    YearEndCheck.objects.filter(enrollment=locked).update(
        decision=decision, decided_at=timezone.now(), decided_by=actor
    )
    if decision == RenewalDecision.RENEW:
        if recertification_required(locked.participant):
            raise DomainError("Re-Certification is already required for this clinician.", code="conflict")
        audit_record(
            actor=actor,
            action="maintenance.flag_decided",
            target=locked,
            reason=reason,
            changes={"decision": decision},
        )
        return maintenance_renew(actor=actor, enrollment=locked, _decided=True)
    if decision != RenewalDecision.RECERTIFY:
        raise DomainError("Choose: renew anyway, or require Re-Certification.", code="invalid")
    lapsed = enrollment_change_status(
        actor=actor,
        enrollment=locked,
        new_status=S.LAPSED,
        reason=f"Re-Certification required: {reason}",
        extra_fields={"flagged_for_review": False},
    )
    marker = RecertificationRequirement.objects.create(
        participant=locked.participant,
        source_enrollment=locked,
        reason=f"Maintenance year {locked.year_number} requirements were not met: {reason}",
        required_on=timezone.localdate(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="maintenance.flag_decided",
        target=locked,
        reason=reason,
        changes={"decision": decision, "requirement": marker.pk},
    )
    return lapsed


@transaction.atomic
def recertification_start(*, actor: Any, participant: Any, start_date: date | None = None) -> Enrollment:
    """Open Re-Certification (one year, its fee, no extensions) for a clinician who needs it."""
    _check_actor(actor, participant)
    # Serialise starts for this participant: the open-enrollment constraint is the last line of defence.
    get_user_model().objects.select_for_update().filter(pk=participant.pk).first()
    if not recertification_required(participant):
        raise DomainError("Re-Certification is not required: renew Maintenance instead.", code="conflict")
    if Enrollment.objects.filter(
        participant=participant, phase=Phase.RECERTIFICATION, status__in=sorted(OPEN_STATUSES)
    ).exists():
        raise DomainError("Re-Certification has already started.", code="conflict")
    if start_date is not None and not is_staff_member(actor):
        raise NotAllowed("Only NMN staff choose another start date.")
    start = start_date or timezone.localdate()
    markers = list(
        RecertificationRequirement.objects.filter(participant=participant, resolved_at__isnull=True)
    )
    previous = latest_maintenance(participant) or (markers[0].source_enrollment if markers else None)
    enrollment = enrollment_open(
        actor=actor,
        participant=participant,
        phase=Phase.RECERTIFICATION,
        start_date=start,
        previous=previous,
        reason="Re-Certification started",
    )
    RecertificationRequirement.objects.filter(pk__in=[m.pk for m in markers]).update(
        recertification=enrollment
    )
    _issue_invoice(
        actor=actor,
        participant=participant,
        kind="recertification",
        enrollment=enrollment,
        description=(
            f"Re-Certification ({start:%-d %b %Y} – {enrollment.term_end - timedelta(days=1):%-d %b %Y})"
        ),
        on=timezone.localdate(),
    )
    return enrollment


@transaction.atomic
def recertification_approve(*, actor: Any, enrollment: Enrollment, reason: str = "") -> Enrollment:
    """Staff approve a completed Re-Certification: it completes, the requirement is met, and Maintenance
    resumes with a new year 1 and its invoice. Returns the Maintenance year."""
    if not is_staff_member(actor):
        raise NotAllowed("Only NMN staff approve Re-Certification.")
    locked = _lock(enrollment)
    if locked.phase != Phase.RECERTIFICATION or locked.status != S.ACTIVE:
        raise DomainError("Only an active Re-Certification can be approved.", code="conflict")
    today = timezone.localdate()
    problems = completion_problems(locked, today)
    if problems:
        raise DomainError("Not complete yet: " + "; ".join(problems), code="incomplete")
    enrollment_change_status(
        actor=actor, enrollment=locked, new_status=S.COMPLETED, reason=reason or "Re-Certification approved"
    )
    RecertificationRequirement.objects.filter(
        participant=locked.participant, resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), recertification=locked)
    following = maintenance_start(
        actor=actor, participant=locked.participant, previous=locked, start_date=today
    )
    audit_record(
        actor=actor,
        action="maintenance.recertification_approved",
        target=locked,
        reason=reason,
        changes={"maintenance": following.pk},
    )
    return following


def renewal_deadline(enrollment: Enrollment) -> date:
    """The last day a year in renewal can still be renewed before it lapses (policy's threshold)."""
    return add_months(enrollment.term_end, enrollment.policy.lapse_threshold_months) - timedelta(days=1)
