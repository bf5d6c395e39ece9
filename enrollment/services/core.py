"""Writes for enrollments. Every status change goes through `enrollment_change_status`, which checks
the transition table, locks the row, saves with update_fields and writes an audit entry."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.services import audit_record

from .. import hooks
from ..dates import add_months
from ..models import OPEN_STATUSES, Enrollment, EnrollmentStatus, Phase, ProgramPolicy

S = EnrollmentStatus

# status -> statuses it may move to. Anything not listed is refused.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.ACTIVE, S.WITHDRAWN}),
    S.ACTIVE: frozenset(
        {S.FREE_EXTENSION, S.AWAITING_FEE, S.CONTINUATION, S.RENEWAL_DUE, S.COMPLETED, S.LAPSED, S.WITHDRAWN}
    ),
    S.FREE_EXTENSION: frozenset({S.AWAITING_FEE, S.CONTINUATION, S.COMPLETED, S.WITHDRAWN}),
    # A free extension granted after the term ran out brings an enrollment back from awaiting the fee.
    S.AWAITING_FEE: frozenset({S.FREE_EXTENSION, S.CONTINUATION, S.COMPLETED, S.LAPSED, S.WITHDRAWN}),
    S.CONTINUATION: frozenset({S.AWAITING_FEE, S.COMPLETED, S.WITHDRAWN}),
    S.RENEWAL_DUE: frozenset({S.COMPLETED, S.LAPSED, S.WITHDRAWN}),
    S.COMPLETED: frozenset(),
    S.LAPSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"


def can_transition(old: str, new: str) -> bool:
    return new in ALLOWED_TRANSITIONS.get(old, frozenset())


def policy_for(start: date) -> ProgramPolicy:
    """The active policy version in effect on `start` (the newest one that began on or before it)."""
    policy = (
        ProgramPolicy.objects.filter(is_active=True, effective_from__lte=start)
        .order_by("-effective_from")
        .first()
        or ProgramPolicy.objects.filter(is_active=True).order_by("effective_from").first()
    )
    if policy is None:
        raise DomainError("No program policy is active. An admin must create one first.", code="no_policy")
    return policy


@transaction.atomic
def enrollment_open(
    *,
    actor: Any,
    participant: Any,
    phase: str,
    start_date: date,
    policy: ProgramPolicy | None = None,
    previous: Enrollment | None = None,
    year_number: int = 1,
    prerequisite_required: bool = False,
    reason: str = "",
    status: str = S.ACTIVE,
) -> Enrollment:
    """Open an enrollment in `phase` with its dates computed from the policy. Runs the started hooks
    (checklist, tokens) when it opens active."""
    if phase not in Phase.values:
        raise DomainError(f"Unknown phase: {phase}.", code="invalid")
    if status not in (S.ACTIVE, S.PENDING):
        raise DomainError("A new enrollment starts pending or active.", code="invalid")
    policy = policy or policy_for(start_date)
    rule = policy.rule(phase)
    if Enrollment.objects.filter(
        participant=participant, phase=phase, status__in=sorted(OPEN_STATUSES)
    ).exists():
        raise DomainError(
            f"{participant} already has an open {Phase(phase).label} enrollment.", code="conflict"
        )
    enrollment = Enrollment.objects.create(
        participant=participant,
        phase=phase,
        policy=policy,
        status=status,
        start_date=start_date,
        term_end=add_months(start_date, rule.term_months),
        previous=previous,
        year_number=year_number,
        prerequisite_required=prerequisite_required,
    )
    audit_record(
        actor=actor,
        action="enrollment.opened",
        target=enrollment,
        reason=reason,
        changes={
            "phase": phase,
            "status": status,
            "start_date": start_date.isoformat(),
            "term_end": enrollment.term_end.isoformat(),
            "policy": policy.name,
        },
    )
    if status == S.ACTIVE:
        for hook in hooks.ENROLLMENT_STARTED:
            hook(enrollment)
    return enrollment


@transaction.atomic
def enrollment_change_status(
    *,
    actor: Any,
    enrollment: Enrollment,
    new_status: str,
    reason: str = "",
    on: date | None = None,
    rule: str = "",
    extra_fields: dict[str, Any] | None = None,
) -> Enrollment:
    """Move an enrollment to `new_status` if the transition table allows it from its current status.

    The row is locked first so two requests (or two workers) cannot both move it. `rule` names the
    automatic rule that caused the change (the daily job); `extra_fields` are saved with it.
    """
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    old = locked.status
    if not can_transition(old, new_status):
        raise TransitionNotAllowed(
            f"A {locked.get_phase_display()} enrollment that is {locked.get_status_display().lower()} "
            f"cannot become {S(new_status).label.lower()}."
        )
    on = on or timezone.localdate()
    locked.status = new_status
    fields = ["status", "updated_at"]
    if new_status == S.COMPLETED:
        locked.completed_on = on
        fields.append("completed_on")
    if new_status in (S.LAPSED, S.WITHDRAWN):
        locked.ended_on = on
        fields.append("ended_on")
    for name, value in (extra_fields or {}).items():
        setattr(locked, name, value)
        fields.append(name)
    locked.save(update_fields=fields)
    changes: dict[str, Any] = {"status": [old, new_status]}
    if rule:
        changes["rule"] = rule
    for name, value in (extra_fields or {}).items():
        changes[name] = value.isoformat() if isinstance(value, date) else value
    audit_record(
        actor=actor, action="enrollment.status_changed", target=locked, reason=reason, changes=changes
    )
    if old == S.PENDING and new_status == S.ACTIVE:
        for hook in hooks.ENROLLMENT_STARTED:
            hook(locked)
    for status_hook in hooks.STATUS_CHANGED:
        status_hook(locked, old, new_status, actor)
    enrollment.__dict__.update(
        {k: getattr(locked, k) for k in ("status", "completed_on", "ended_on", *fields)}
    )
    return locked


def completion_problems(enrollment: Enrollment, as_of: date | None = None) -> list[str]:
    """What still stands between this enrollment and completion (empty: complete). Other apps add checks."""
    as_of = as_of or timezone.localdate()
    problems: list[str] = []
    for check in hooks.COMPLETION_CHECKS:
        problems.extend(check(enrollment, as_of))
    return problems
