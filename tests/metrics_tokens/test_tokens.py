"""The token ledger: derived balance, unlimited training phases, annual grants, expiry, adjustments."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import AuditEntry
from enrollment.models import ProgramPolicy
from metrics_tokens import selectors, services
from metrics_tokens.models import LedgerIsAppendOnly, LedgerKind, MetricReport, TokenLedgerEntry
from metrics_tokens.services import NoAccess, NoBalance

from .conftest import open_enrollment

pytestmark = pytest.mark.django_db

START = date(2026, 1, 15)


def record(
    user: Any, report_type: str = "typical", on: date = date(2026, 3, 1), code: str = ""
) -> MetricReport:
    return services.report_record(
        actor=user, participant=user, report_type=report_type, report_date=on, client_code=code
    )


@time_machine.travel("2026-03-10 12:00Z")
def test_it_derives_the_balance_from_the_entries(cast: Any) -> None:
    pat = cast.participant
    open_enrollment(pat, "maintenance", START)
    services.tokens_adjust(actor=cast.staff, participant=pat, amount=2, reason="Site agreement", kind="grant")
    services.tokens_adjust(actor=cast.staff, participant=pat, amount=-1, reason="Duplicate grant")
    record(pat)
    record(pat, "client_initial", code="C-0001")
    amounts = list(TokenLedgerEntry.objects.filter(account__participant=pat).values_list("amount", flat=True))
    assert sorted(amounts) == [-1, -1, -1, 2, 10]
    assert selectors.access_for(pat).balance == 9 == sum(amounts)
    history = selectors.ledger_history(pat)
    assert [line.balance_after for line in history] == [9, 10, 11, 12, 10]  # newest first


@time_machine.travel("2026-03-10 12:00Z")
def test_tokens_are_unlimited_during_training_without_fake_grants(cast: Any) -> None:
    pat = cast.participant
    open_enrollment(pat, "phase1", START)
    for i in range(12):
        record(pat, "client_follow_up", code=f"C-{i:04d}")
    access = selectors.access_for(pat)
    assert access.has_access and access.unlimited and access.can_record
    assert access.balance == 0
    assert not TokenLedgerEntry.objects.exists()  # no grant, no consumption
    assert MetricReport.objects.filter(participant=pat, token_required=False).count() == 12


@time_machine.travel("2026-03-10 12:00Z")
def test_maintenance_start_grants_the_policy_number_once(cast: Any) -> None:
    pat = cast.participant
    enrollment = open_enrollment(pat, "maintenance", START)
    rule = enrollment.rule
    assert rule.tokens_per_year == 10  # seeded December 2025 policy
    grant = TokenLedgerEntry.objects.get(account__participant=pat)
    assert (grant.kind, grant.amount, grant.enrollment) == (LedgerKind.GRANT, 10, enrollment)
    assert services.tokens_grant_for_year(enrollment) is None  # the hook running again changes nothing
    assert selectors.access_for(pat).balance == 10


@time_machine.travel("2026-03-10 12:00Z")
def test_the_grant_follows_the_policy_value(cast: Any) -> None:
    policy = ProgramPolicy.objects.get(name="December 2025")
    rule = policy.rule("recertification")
    rule.tokens_per_year = 4
    rule.save(update_fields=["tokens_per_year"])
    open_enrollment(cast.participant, "recertification", START)
    assert selectors.access_for(cast.participant).balance == 4


def test_unused_tokens_expire_at_the_years_end(cast: Any) -> None:
    pat = cast.participant
    with time_machine.travel("2026-03-10 12:00Z"):
        enrollment = open_enrollment(pat, "maintenance", START)
        record(pat)
        record(pat)
    assert enrollment.term_end == date(2027, 1, 15)
    assert services.tokens_expire_for_year(enrollment=enrollment, as_of=date(2027, 1, 14)) == 0
    assert services.tokens_expire_for_year(enrollment=enrollment, as_of=date(2027, 1, 15)) == 8
    assert services.tokens_expire_for_year(enrollment=enrollment, as_of=date(2027, 1, 16)) == 0  # idempotent
    assert selectors.balance_for(pat) == 0
    expiry = TokenLedgerEntry.objects.get(kind=LedgerKind.EXPIRE)
    assert expiry.amount == -8 and expiry.actor_label == "system"


def test_expiry_in_bulk_handles_every_ended_year_once(cast: Any) -> None:
    with time_machine.travel("2026-03-10 12:00Z"):
        a = open_enrollment(cast.participant, "maintenance", START)
        b = open_enrollment(cast.other_participant, "recertification", date(2026, 2, 1))
        open_enrollment(cast.trainer, "maintenance", date(2026, 6, 1))  # its year has not ended
        record(cast.participant)
    assert services.tokens_expire_due(as_of=date(2027, 2, 1)) == 9 + 10
    assert services.tokens_expire_due(as_of=date(2027, 2, 1)) == 0
    assert services.tokens_expire_for_year(enrollment=a, as_of=date(2027, 2, 1)) == 0
    assert selectors.balance_for(cast.participant) == selectors.balance_for(cast.other_participant) == 0
    assert selectors.balance_for(cast.trainer) == 10
    assert TokenLedgerEntry.objects.filter(kind="expire", enrollment=b).count() == 1


def test_nothing_expires_when_the_policy_says_so(cast: Any) -> None:
    ProgramPolicy.objects.filter(name="December 2025").update(tokens_expire_at_year_end=False)
    with time_machine.travel("2026-03-10 12:00Z"):
        enrollment = open_enrollment(cast.participant, "maintenance", START)
    assert services.tokens_expire_for_year(enrollment=enrollment, as_of=date(2027, 6, 1)) == 0
    assert services.tokens_expire_due(as_of=date(2027, 6, 1)) == 0
    assert selectors.balance_for(cast.participant) == 10


@time_machine.travel("2026-03-10 12:00Z")
def test_without_an_enrolled_enrollment_there_is_no_access(cast: Any) -> None:
    pat = cast.participant
    services.tokens_adjust(actor=cast.staff, participant=pat, amount=3, reason="Goodwill", kind="grant")
    access = selectors.access_for(pat)
    assert not access.has_access and not access.can_record and access.balance == 3
    with pytest.raises(NoAccess):
        record(pat)
    assert not MetricReport.objects.exists()
    assert selectors.balance_for(pat) == 3


@time_machine.travel("2026-03-10 12:00Z")
def test_the_last_token_is_spent_once_then_refused(cast: Any) -> None:
    pat = cast.participant
    open_enrollment(pat, "maintenance", START)
    services.tokens_adjust(actor=cast.staff, participant=pat, amount=-9, reason="Test: leave one")
    record(pat)
    with pytest.raises(NoBalance) as refused:
        record(pat)
    assert refused.value.code == "no_balance"
    assert MetricReport.objects.count() == 1
    assert selectors.balance_for(pat) == 0


@time_machine.travel("2026-03-10 12:00Z")
def test_staff_adjustments_need_a_reason_and_cannot_overdraw(cast: Any) -> None:
    pat = cast.participant
    open_enrollment(pat, "maintenance", START)
    with pytest.raises(ValidationError) as no_reason:
        services.tokens_adjust(actor=cast.staff, participant=pat, amount=2, reason="  ")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError):
        services.tokens_adjust(actor=cast.staff, participant=pat, amount=-11, reason="Too much")
    with pytest.raises(ValidationError):
        services.tokens_adjust(actor=cast.staff, participant=pat, amount=-2, reason="x", kind="grant")
    with pytest.raises(ValidationError):
        services.tokens_adjust(actor=cast.staff, participant=pat, amount=0, reason="x")
    assert TokenLedgerEntry.objects.count() == 1  # only the annual grant
    services.tokens_adjust(actor=cast.staff, participant=pat, amount=-3, reason="Correction")
    assert AuditEntry.objects.filter(
        action="tokens.adjustment", subject_user=pat, reason="Correction"
    ).exists()


@time_machine.travel("2026-03-10 12:00Z")
def test_a_refund_gives_the_token_back_once(cast: Any) -> None:
    pat = cast.participant
    open_enrollment(pat, "maintenance", START)
    report = record(pat)
    consume = TokenLedgerEntry.objects.get(report=report, kind="consume")
    services.tokens_refund(actor=cast.staff, entry=consume, reason="Recorded twice by the tool")
    assert selectors.balance_for(pat) == 10
    with pytest.raises(DomainError, match="refunded already"):
        services.tokens_refund(actor=cast.staff, entry=consume, reason="again")
    assert selectors.balance_for(pat) == 10


@time_machine.travel("2026-03-10 12:00Z")
def test_the_services_refuse_to_change_or_remove_an_entry(cast: Any) -> None:
    open_enrollment(cast.participant, "maintenance", START)
    entry = TokenLedgerEntry.objects.get()
    entry.amount = 100
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        TokenLedgerEntry.objects.filter(pk=entry.pk).update(amount=100)
    with pytest.raises(LedgerIsAppendOnly):
        TokenLedgerEntry.objects.all().delete()
    assert TokenLedgerEntry.objects.get().amount == 10


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"report_type": "bogus"}, "report_type"),
        ({"report_date": date(2026, 3, 11)}, "report_date"),
        ({"report_type": "client_initial", "client_code": "Jane Doe"}, "client_code"),
        ({"report_type": "client_initial", "client_code": "jane.doe@example.org"}, "client_code"),
        ({"report_type": "client_initial", "client_code": "Jonathan"}, "client_code"),
        ({"report_type": "client_initial", "client_code": ""}, "client_code"),
        ({"report_date": date(2025, 12, 1)}, "report_date"),
    ],
)
@time_machine.travel("2026-03-10 12:00Z")
def test_bad_reports_are_refused_and_nothing_is_recorded(
    cast: Any, fields: dict[str, Any], field: str
) -> None:
    pat = cast.participant
    open_enrollment(pat, "maintenance", START)
    values = {"report_type": "typical", "report_date": date(2026, 3, 1), "client_code": ""} | fields
    with pytest.raises(ValidationError) as refused:
        services.report_record(actor=pat, participant=pat, **values)
    assert field in refused.value.message_dict
    assert not MetricReport.objects.exists()
    assert selectors.balance_for(pat) == 10


def test_a_staff_grant_during_the_year_expires_with_it(cast: Any) -> None:
    pat = cast.participant
    with time_machine.travel("2026-03-10 12:00Z"):
        enrollment = open_enrollment(pat, "maintenance", START)
        services.tokens_adjust(actor=cast.staff, participant=pat, amount=3, reason="Site pilot", kind="grant")
        record(pat)
    assert TokenLedgerEntry.objects.filter(kind="grant", enrollment=enrollment).count() == 2
    assert services.tokens_expire_for_year(enrollment=enrollment, as_of=enrollment.term_end) == 12
    assert selectors.balance_for(pat) == 0


def test_bulk_expiry_takes_the_same_queries_for_1_or_many_years(cast: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.support import make_user

    with time_machine.travel("2026-03-10 12:00Z"):
        open_enrollment(cast.participant, "maintenance", START)
    with CaptureQueriesContext(connection) as one:
        assert services.tokens_expire_due(as_of=date(2027, 2, 1)) == 10
    with time_machine.travel("2026-03-10 12:00Z"):
        for i in range(12):
            open_enrollment(make_user(f"x{i}@example.org", ["participant"]), "maintenance", START)
    with CaptureQueriesContext(connection) as many:
        assert services.tokens_expire_due(as_of=date(2027, 2, 1)) == 120
    assert len(one) == len(many)


@time_machine.travel("2026-03-10 12:00Z")
def test_a_fidelity_report_without_a_token_is_refused_and_submits_nothing(cast: Any) -> None:
    from metrics_tokens.models import FidelityAssignment

    from .conftest import upload

    pat = cast.participant
    open_enrollment(pat, "maintenance", START)
    services.fidelity_exercise_create(
        actor=cast.staff,
        year=2026,
        title="Case",
        case_abstract=upload(),
        qa_session_at=timezone.now(),
        qa_session_link="https://meet.example.org/x",
        deadline=date(2026, 4, 30),
    )
    services.tokens_adjust(actor=cast.staff, participant=pat, amount=-10, reason="Used elsewhere")
    with pytest.raises(NoBalance):
        record(pat, "fidelity")
    assert FidelityAssignment.objects.get(participant=pat).submitted_at is None


@time_machine.travel("2026-03-10 12:00Z")
def test_a_pending_maintenance_year_is_granted_when_it_becomes_active(cast: Any) -> None:
    from enrollment.services import enrollment_change_status, enrollment_open

    pat = cast.participant
    enrollment = enrollment_open(
        actor=None, participant=pat, phase="maintenance", start_date=START, status="pending"
    )
    assert not selectors.access_for(pat).has_access
    assert not TokenLedgerEntry.objects.exists()
    enrollment_change_status(actor=cast.staff, enrollment=enrollment, new_status="active", reason="Paid")
    assert selectors.access_for(pat).balance == 10
