"""The allowed-transition table: every status × every target status, and every phase × every next phase."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.errors import DomainError
from accounts.models import AuditEntry
from enrollment import services
from enrollment.models import Enrollment, EnrollmentStatus, Phase, TransitionRequest
from enrollment.services import ALLOWED_TRANSITIONS
from tests.enrollment.factories import enrollment

S = EnrollmentStatus
EXPECTED: dict[str, set[str]] = {
    S.PENDING: {S.ACTIVE, S.WITHDRAWN},
    S.ACTIVE: {
        S.FREE_EXTENSION,
        S.AWAITING_FEE,
        S.CONTINUATION,
        S.RENEWAL_DUE,
        S.COMPLETED,
        S.LAPSED,
        S.WITHDRAWN,
    },
    S.FREE_EXTENSION: {S.AWAITING_FEE, S.CONTINUATION, S.COMPLETED, S.WITHDRAWN},
    S.AWAITING_FEE: {S.FREE_EXTENSION, S.CONTINUATION, S.COMPLETED, S.LAPSED, S.WITHDRAWN},
    S.CONTINUATION: {S.AWAITING_FEE, S.COMPLETED, S.WITHDRAWN},
    S.RENEWAL_DUE: {S.COMPLETED, S.LAPSED, S.WITHDRAWN},
    S.COMPLETED: set(),
    S.LAPSED: set(),
    S.WITHDRAWN: set(),
}
PAIRS = [(old, new) for old in S.values for new in S.values]


def test_the_table_is_the_one_documented_here() -> None:
    assert {k: set(v) for k, v in ALLOWED_TRANSITIONS.items()} == EXPECTED


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{o}->{n}" for o, n in PAIRS])
def test_every_status_change_is_allowed_or_refused_by_the_table(cast: Any, old: str, new: str) -> None:
    e = enrollment(cast.participant)
    Enrollment.objects.filter(pk=e.pk).update(status=old)  # arrange the starting state directly
    e.refresh_from_db()
    before = AuditEntry.objects.filter(action="enrollment.status_changed").count()
    if new in EXPECTED[old]:
        services.enrollment_change_status(actor=cast.staff, enrollment=e, new_status=new, reason="test")
        e.refresh_from_db()
        assert e.status == new
        assert AuditEntry.objects.filter(action="enrollment.status_changed").count() == before + 1
    else:
        with pytest.raises(services.TransitionNotAllowed):
            services.enrollment_change_status(actor=cast.staff, enrollment=e, new_status=new, reason="test")
        e.refresh_from_db()
        assert e.status == old
        assert AuditEntry.objects.filter(action="enrollment.status_changed").count() == before


PHASE_PAIRS = [(a, b) for a in Phase.values for b in Phase.values]
ALLOWED_MOVES = {
    (Phase.PHASE_1, Phase.PHASE_2),
    (Phase.PHASE_1, Phase.MAINTENANCE),
    (Phase.PHASE_2, Phase.MAINTENANCE),
    (Phase.RECERTIFICATION, Phase.MAINTENANCE),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("src", "dst"), PHASE_PAIRS, ids=[f"{a}->{b}" for a, b in PHASE_PAIRS])
def test_every_phase_move_is_allowed_or_refused(
    cast: Any, no_completion_checks: None, src: str, dst: str
) -> None:
    e = enrollment(cast.participant, phase=src, start=date(2026, 1, 15))
    if (src, dst) in ALLOWED_MOVES:
        request = services.transition_request_create(actor=cast.participant, enrollment=e, to_phase=dst)
        assert request.status == "pending"
    else:
        with pytest.raises(DomainError) as exc:
            services.transition_request_create(actor=cast.participant, enrollment=e, to_phase=dst)
        assert "can move on to" in exc.value.message
        assert not TransitionRequest.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", S.values)
def test_only_a_started_open_enrollment_may_ask_to_move_on(
    cast: Any, no_completion_checks: None, status: str
) -> None:
    e = enrollment(cast.participant)
    Enrollment.objects.filter(pk=e.pk).update(status=status)
    e.refresh_from_db()
    if status in {S.ACTIVE, S.FREE_EXTENSION, S.AWAITING_FEE, S.CONTINUATION, S.RENEWAL_DUE}:
        services.transition_request_create(actor=cast.participant, enrollment=e, to_phase=Phase.PHASE_2)
    else:
        with pytest.raises(DomainError):
            services.transition_request_create(actor=cast.participant, enrollment=e, to_phase=Phase.PHASE_2)
