"""Phase transitions approved by staff, and extensions of time (free, then paid continuation)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError, NotAllowed
from accounts.roles import is_staff_member
from accounts.services import audit_record

from ..dates import add_months
from ..emails import notify_participant
from ..models import (
    Enrollment,
    EnrollmentStatus,
    ExtensionRequest,
    Invoice,
    InvoiceKind,
    Phase,
    RequestStatus,
    TransitionRequest,
)
from .core import completion_problems, enrollment_change_status, enrollment_open, policy_for
from .fees import invoice_issue

S = EnrollmentStatus
R = RequestStatus

# phase left -> phases it may move to (DOMAIN.md: Phase I → Phase II/TTT or straight to Maintenance;
# Phase II → Maintenance; after Re-Certification, annual Maintenance resumes).
PHASE_MOVES: dict[str, tuple[str, ...]] = {
    Phase.PHASE_1: (Phase.PHASE_2, Phase.MAINTENANCE),
    Phase.PHASE_2: (Phase.MAINTENANCE,),
    Phase.RECERTIFICATION: (Phase.MAINTENANCE,),
    Phase.MAINTENANCE: (),
}
# The invoice kind of the fee that opening each phase records.
FEE_KIND: dict[str, str] = {
    Phase.PHASE_1: InvoiceKind.PHASE_FEE,
    Phase.PHASE_2: InvoiceKind.PHASE_FEE,
    Phase.MAINTENANCE: InvoiceKind.MAINTENANCE,
    Phase.RECERTIFICATION: InvoiceKind.RECERTIFICATION,
}
# An enrollment in these statuses may ask to move on (it has started and not ended).
MAY_REQUEST_TRANSITION = frozenset(
    {S.ACTIVE, S.FREE_EXTENSION, S.AWAITING_FEE, S.CONTINUATION, S.RENEWAL_DUE}
)
# Statuses in which staff may grant a free extension or record a continuation.
MAY_EXTEND = frozenset({S.ACTIVE, S.FREE_EXTENSION, S.AWAITING_FEE, S.CONTINUATION})


def _own_or_staff(actor: Any, enrollment: Enrollment) -> None:
    if actor != enrollment.participant and not is_staff_member(actor):
        raise NotAllowed("Only the participant or staff can ask for this.")


def phase_move_allowed(from_phase: str, to_phase: str) -> bool:
    return to_phase in PHASE_MOVES.get(from_phase, ())


@transaction.atomic
def transition_request_create(
    *, actor: Any, enrollment: Enrollment, to_phase: str, reason: str = ""
) -> TransitionRequest:
    """Ask to move on. Refused unless the phase's completion check passes (`completion_problems`)."""
    _own_or_staff(actor, enrollment)
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if to_phase not in Phase.values:
        raise ValidationError({"to_phase": f"Choose one of: {', '.join(Phase.values)}."})
    if not phase_move_allowed(locked.phase, to_phase):
        allowed = " or ".join(Phase(p).label for p in PHASE_MOVES.get(locked.phase, ())) or "no other phase"
        raise DomainError(
            f"{locked.get_phase_display()} can move on to {allowed}, not to {Phase(to_phase).label}.",
            code="transition_not_allowed",
        )
    if locked.status not in MAY_REQUEST_TRANSITION:
        raise DomainError(
            f"This enrollment is {locked.get_status_display().lower()}: it cannot move on.",
            code="transition_not_allowed",
        )
    if TransitionRequest.objects.filter(enrollment=locked, status=R.PENDING).exists():
        raise DomainError("A request to move on is already waiting for staff.", code="conflict")
    problems = completion_problems(locked)
    if problems:
        raise DomainError(
            f"{locked.get_phase_display()} is not complete yet: " + "; ".join(problems) + ".",
            code="phase_incomplete",
        )
    request = TransitionRequest.objects.create(
        enrollment=locked, to_phase=to_phase, reason=(reason or "").strip(), requested_by=actor
    )
    audit_record(
        actor=actor,
        action="transition.requested",
        target=request,
        reason=request.reason,
        changes={"from": locked.phase, "to": to_phase},
    )
    return request


def _lock_pending(model: Any, obj: Any) -> Any:
    locked = model.objects.select_for_update().select_related("enrollment").get(pk=obj.pk)
    if locked.status != R.PENDING:
        raise DomainError(f"This request is already {locked.get_status_display().lower()}.", code="conflict")
    return locked


@transaction.atomic
def transition_request_approve(
    *, actor: Any, transition_request: TransitionRequest, start_date: date | None = None
) -> Enrollment:
    """Complete the old enrollment, open the next one (dates and policy from its start) and record its
    fee, all in one transaction."""
    locked = _lock_pending(TransitionRequest, transition_request)
    old = locked.enrollment
    start = start_date or timezone.localdate()
    if start < old.start_date:
        raise ValidationError({"start_date": "The next phase cannot start before the current one started."})
    problems = completion_problems(old, start)
    if problems:
        raise DomainError(
            f"{old.get_phase_display()} is not complete yet: " + "; ".join(problems) + ".",
            code="phase_incomplete",
        )
    enrollment_change_status(
        actor=actor, enrollment=old, new_status=S.COMPLETED, reason="phase transition approved", on=start
    )
    policy = policy_for(start)
    new = enrollment_open(
        actor=actor,
        participant=old.participant,
        phase=locked.to_phase,
        start_date=start,
        policy=policy,
        previous=old,
        year_number=1,
        reason="phase transition approved",
    )
    rule = policy.rule(locked.to_phase)
    invoice = invoice_issue(
        actor=actor,
        participant=old.participant,
        kind=FEE_KIND[locked.to_phase],
        amount=rule.fee,
        description=f"{Phase(locked.to_phase).label} fee ({policy.name} policy)",
        enrollment=new,
        issued_on=start,
    )
    locked.status = R.APPROVED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.new_enrollment = new
    locked.save(update_fields=["status", "decided_by", "decided_at", "new_enrollment"])
    audit_record(
        actor=actor,
        action="transition.approved",
        target=locked,
        changes={"new_enrollment": new.pk, "start": start.isoformat()},
    )
    notify_participant(
        user=old.participant,
        subject=f"{Phase(locked.to_phase).label} approved",
        template="transition_decided",
        context={"request": locked, "approved": True, "new_enrollment": new, "invoice": invoice},
    )
    transition_request.__dict__.update(status=locked.status, new_enrollment_id=new.pk)
    return new


@transaction.atomic
def transition_request_refuse(
    *, actor: Any, transition_request: TransitionRequest, reason: str
) -> TransitionRequest:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for refusing."})
    locked = _lock_pending(TransitionRequest, transition_request)
    locked.status = R.REFUSED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, action="transition.refused", target=locked, reason=reason)
    notify_participant(
        user=locked.enrollment.participant,
        subject="Your request to move on",
        template="transition_decided",
        context={"request": locked, "approved": False},
    )
    return locked


# --- Extensions ----------------------------------------------------------------------------------


def _months(value: Any, field: str = "months") -> int:
    try:
        months = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: "Give a whole number of months."}) from None
    if months < 1:
        raise ValidationError({field: "Give at least one month."})
    return months


def free_extension_left(enrollment: Enrollment) -> int:
    rule = enrollment.rule
    if not rule.extensions_allowed:
        return 0
    return max(0, rule.free_extension_months - enrollment.free_extension_months)


@transaction.atomic
def enrollment_grant_free_extension(
    *, actor: Any, enrollment: Enrollment, months: Any, reason: str, as_of: date | None = None
) -> Enrollment:
    """Add free months (cumulative, up to the policy's free_extension_months) counted from the start
    date. An enrollment whose term has ended moves to free_extension."""
    months = _months(months)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for the extension."})
    locked = Enrollment.objects.select_for_update().select_related("policy").get(pk=enrollment.pk)
    rule = locked.rule
    if not rule.extensions_allowed or rule.free_extension_months == 0:
        raise DomainError(
            f"{locked.get_phase_display()} has no free extension under its policy.",
            code="not_allowed_by_policy",
        )
    if locked.status not in MAY_EXTEND:
        raise DomainError(
            f"This enrollment is {locked.get_status_display().lower()}: it cannot be extended.",
            code="conflict",
        )
    total = locked.free_extension_months + months
    if total > rule.free_extension_months:
        left = rule.free_extension_months - locked.free_extension_months
        raise ValidationError(
            {
                "months": (
                    f"That goes beyond the free extension limit of {rule.free_extension_months} months "
                    f"({left} left). More time needs the continuation fee."
                )
            }
        )
    as_of = as_of or timezone.localdate()
    extension_end = add_months(locked.start_date, rule.term_months + total)
    fields = {"free_extension_months": total, "extension_end": extension_end}
    if locked.status in (S.ACTIVE, S.AWAITING_FEE) and as_of >= locked.term_end and extension_end > as_of:
        locked = enrollment_change_status(
            actor=actor,
            enrollment=locked,
            new_status=S.FREE_EXTENSION,
            reason=reason,
            extra_fields=fields,
            on=as_of,
        )
    else:
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor,
            action="enrollment.extended",
            target=locked,
            reason=reason,
            changes={"free_extension_months": total, "extension_end": extension_end.isoformat()},
        )
    enrollment.__dict__.update(
        {k: getattr(locked, k) for k in ("status", "free_extension_months", "extension_end")}
    )
    return locked


@transaction.atomic
def enrollment_issue_continuation_invoice(*, actor: Any, enrollment: Enrollment) -> Invoice:
    """Record the continuation fee due from the enrollment's policy."""
    rule = enrollment.rule
    if not rule.extensions_allowed or rule.continuation_months == 0:
        raise DomainError(
            f"{enrollment.get_phase_display()} has no paid continuation under its policy.",
            code="not_allowed_by_policy",
        )
    if enrollment.status not in MAY_EXTEND:
        raise DomainError(f"This enrollment is {enrollment.get_status_display().lower()}.", code="conflict")
    return invoice_issue(
        actor=actor,
        participant=enrollment.participant,
        kind=InvoiceKind.CONTINUATION_FEE,
        amount=rule.continuation_fee,
        description=f"{enrollment.get_phase_display()} continuation fee ({rule.continuation_months} months)",
        enrollment=enrollment,
    )


@transaction.atomic
def enrollment_record_continuation(*, actor: Any, enrollment: Enrollment, invoice: Invoice) -> Enrollment:
    """The continuation fee is paid (or waived): extend paid_through by the policy's continuation months."""
    from ..selectors import invoice_balance

    locked = Enrollment.objects.select_for_update().select_related("policy").get(pk=enrollment.pk)
    inv = Invoice.objects.select_for_update().get(pk=invoice.pk)
    rule = locked.rule
    if inv.kind != InvoiceKind.CONTINUATION_FEE or inv.participant_id != locked.participant_id:
        raise ValidationError({"invoice": "Choose this participant's continuation fee invoice."})
    if inv.enrollment_id not in (None, locked.pk):
        raise ValidationError({"invoice": "That invoice is for another enrollment."})
    if inv.continuation_recorded_at is not None:
        raise DomainError("That continuation fee has already bought its time.", code="conflict")
    if invoice_balance(inv) > 0:
        raise DomainError(
            "The continuation fee must be paid (or waived) before the time is added.", code="fee_unpaid"
        )
    if not rule.extensions_allowed or rule.continuation_months == 0:
        raise DomainError(
            f"{locked.get_phase_display()} has no paid continuation under its policy.",
            code="not_allowed_by_policy",
        )
    if locked.status not in MAY_EXTEND:
        raise DomainError(
            f"This enrollment is {locked.get_status_display().lower()}: it cannot continue.", code="conflict"
        )
    count = locked.continuations + 1
    # Paid time follows all the free time the policy allows, counted from the start date.
    paid_through = add_months(
        locked.start_date, rule.term_months + rule.free_extension_months + rule.continuation_months * count
    )
    fields = {"continuations": count, "paid_through": paid_through}
    if locked.status != S.CONTINUATION:
        locked = enrollment_change_status(
            actor=actor,
            enrollment=locked,
            new_status=S.CONTINUATION,
            reason="continuation fee paid",
            extra_fields=fields,
        )
    else:
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor,
            action="enrollment.continued",
            target=locked,
            changes={"continuations": count, "paid_through": paid_through.isoformat()},
        )
    inv.continuation_recorded_at = timezone.now()
    inv.save(update_fields=["continuation_recorded_at"])
    enrollment.__dict__.update({k: getattr(locked, k) for k in ("status", "continuations", "paid_through")})
    return locked


@transaction.atomic
def extension_request_create(
    *, actor: Any, enrollment: Enrollment, months: Any, reason: str
) -> ExtensionRequest:
    _own_or_staff(actor, enrollment)
    months = _months(months)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you need more time."})
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if locked.status not in MAY_EXTEND:
        raise DomainError(
            f"This enrollment is {locked.get_status_display().lower()}: it cannot be extended.",
            code="conflict",
        )
    if not locked.rule.extensions_allowed:
        raise DomainError(
            f"{locked.get_phase_display()} has no extensions under its policy.", code="not_allowed_by_policy"
        )
    if ExtensionRequest.objects.filter(enrollment=locked, status=R.PENDING).exists():
        raise DomainError("A request for more time is already waiting for staff.", code="conflict")
    request = ExtensionRequest.objects.create(
        enrollment=locked, months=months, reason=reason, requested_by=actor
    )
    audit_record(
        actor=actor, action="extension.requested", target=request, reason=reason, changes={"months": months}
    )
    return request


@transaction.atomic
def extension_request_grant(
    *, actor: Any, extension_request: ExtensionRequest, months: Any = None, reason: str = ""
) -> ExtensionRequest:
    """Grant as a free extension (`months` defaults to what was asked; the policy's limit applies)."""
    locked = _lock_pending(ExtensionRequest, extension_request)
    granted = _months(months if months not in (None, "") else locked.months)
    enrollment = enrollment_grant_free_extension(
        actor=actor,
        enrollment=locked.enrollment,
        months=granted,
        reason=(reason or "").strip() or locked.reason,
    )
    locked.status = R.APPROVED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.months_granted = granted
    locked.decision_reason = (reason or "").strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "months_granted", "decision_reason"])
    audit_record(
        actor=actor,
        action="extension.granted",
        target=locked,
        reason=locked.decision_reason,
        changes={"months": granted},
    )
    notify_participant(
        user=enrollment.participant,
        subject="More time granted",
        template="extension_decided",
        context={"granted": True, "enrollment": enrollment, "months": granted},
    )
    return locked


@transaction.atomic
def extension_request_refuse(
    *, actor: Any, extension_request: ExtensionRequest, reason: str
) -> ExtensionRequest:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for refusing."})
    locked = _lock_pending(ExtensionRequest, extension_request)
    locked.status = R.REFUSED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, action="extension.refused", target=locked, reason=reason)
    notify_participant(
        user=locked.enrollment.participant,
        subject="Your request for more time",
        template="extension_decided",
        context={"granted": False, "enrollment": locked.enrollment, "reason": reason},
    )
    return locked


@transaction.atomic
def enrollment_withdraw(*, actor: Any, enrollment: Enrollment, reason: str) -> Enrollment:
    """Staff record that a participant left the program (the transition table decides from which statuses)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for the withdrawal."})
    return enrollment_change_status(actor=actor, enrollment=enrollment, new_status=S.WITHDRAWN, reason=reason)
