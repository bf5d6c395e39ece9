"""Renewals, flagged years and staff decisions, Re-Certification."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from accounts.errors import DomainError, NotAllowed
from accounts.models import AuditEntry
from enrollment.models import Enrollment, Invoice
from maintenance import rules, services
from maintenance.models import RecertificationRequirement, YearEndCheck

from .factories import enrollment


@pytest.fixture
def unmet(monkeypatch: Any) -> list[str]:
    """Completion checks answer whatever the test puts in this list (for every enrollment)."""
    from enrollment import hooks

    problems: list[str] = []
    monkeypatch.setattr(hooks, "COMPLETION_CHECKS", [lambda enrollment, as_of: list(problems)])
    return problems


@time_machine.travel("2027-02-15 12:00Z", tick=False)
def test_it_renews_on_time_with_an_invoice_and_a_contiguous_next_year(cast: Any, unmet: list[str]) -> None:
    year1 = enrollment(cast.participant, "maintenance", date(2026, 3, 1), "active")
    year2 = services.maintenance_renew(actor=cast.participant, enrollment=year1)
    year1.refresh_from_db()
    assert year1.status == "completed"
    assert (year2.year_number, year2.previous_id, year2.status) == (2, year1.pk, "active")
    assert (year2.start_date, year2.term_end) == (date(2027, 3, 1), date(2028, 3, 1))
    invoice = Invoice.objects.get(enrollment=year2)
    assert (invoice.kind, invoice.amount) == ("maintenance", Decimal("250.00"))
    assert AuditEntry.objects.filter(action="maintenance.renewed", target_id=str(year2.pk)).exists()
    # The next day's job leaves both alone.
    assert rules.apply(date(2027, 3, 1)).decisions == []


@time_machine.travel("2026-12-01 12:00Z", tick=False)
def test_it_refuses_to_renew_before_the_window_or_with_requirements_open(cast: Any, unmet: list[str]) -> None:
    year = enrollment(cast.participant, "maintenance", date(2026, 3, 1), "active")
    with pytest.raises(DomainError, match="Renewal opens on 31 December 2026"):
        services.maintenance_renew(actor=cast.participant, enrollment=year)
    with time_machine.travel("2027-01-15 12:00Z", tick=False):
        unmet.append("Fidelity Exercise 2026")
        with pytest.raises(DomainError, match="Fidelity Exercise 2026"):
            services.maintenance_renew(actor=cast.participant, enrollment=year)
    with pytest.raises(NotAllowed):
        services.maintenance_renew(actor=cast.other_participant, enrollment=year)
    assert Enrollment.objects.filter(participant=cast.participant).count() == 1


@time_machine.travel("2027-05-10 12:00Z", tick=False)
def test_a_late_renewal_starts_on_the_day_of_renewal(cast: Any, unmet: list[str]) -> None:
    year = enrollment(cast.participant, "maintenance", date(2026, 3, 1), "renewal_due")
    nxt = services.maintenance_renew(actor=cast.participant, enrollment=year)
    assert nxt.start_date == date(2027, 5, 10)


def test_unmet_requirements_flag_the_year_once_and_staff_decide_to_renew(
    cast: Any, unmet: list[str], eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    year = enrollment(cast.participant, "maintenance", date(2026, 3, 1), "active")
    unmet.append("Metric reports: 3 of 5")
    assert [d.rule for d in rules.evaluate(date(2027, 3, 1))] == ["maintenance_year_ended"]
    with django_capture_on_commit_callbacks(execute=True):
        first = rules.apply(date(2027, 3, 1))
    assert [d.rule for d in first.decisions] == ["maintenance_year_ended"]
    assert first.year_end_checks == 1  # the requirements check runs in a follow-up task
    year.refresh_from_db()
    assert year.status == "renewal_due" and year.flagged_for_review
    assert "Metric reports: 3 of 5" in year.flag_reason
    assert AuditEntry.objects.filter(action="enrollment.flagged", target_id=str(year.pk)).count() == 1
    assert YearEndCheck.objects.get(enrollment=year).problems == ["Metric reports: 3 of 5"]
    with django_capture_on_commit_callbacks(execute=True):
        again = rules.apply(date(2027, 3, 2))
    assert again.decisions == [] and again.year_end_checks == 0  # checked once
    assert rules.year_end_checks_evaluate(list(YearEndCheck.objects.values_list("pk", flat=True))) == []
    with pytest.raises(DomainError, match="staff will decide"):
        services.maintenance_renew(actor=cast.participant, enrollment=year)
    with pytest.raises(NotAllowed):
        services.maintenance_decide_flagged(
            actor=cast.participant, enrollment=year, decision="renew", reason="x"
        )
    nxt = services.maintenance_decide_flagged(
        actor=cast.staff, enrollment=year, decision="renew", reason="Reports were filed late; accepted."
    )
    year.refresh_from_db()
    assert nxt.year_number == 2 and year.status == "completed" and not year.flagged_for_review
    assert YearEndCheck.objects.get(enrollment=year).decision == "renew"


@time_machine.travel("2027-03-10 12:00Z", tick=False)
def test_staff_require_recertification_then_it_runs_and_resumes_maintenance(
    cast: Any, unmet: list[str]
) -> None:
    year = enrollment(
        cast.participant, "maintenance", date(2026, 3, 1), "renewal_due", flagged_for_review=True
    )
    services.maintenance_decide_flagged(
        actor=cast.staff, enrollment=year, decision="recertify", reason="No fidelity exercise, no reports."
    )
    year.refresh_from_db()
    assert year.status == "lapsed" and not year.flagged_for_review
    marker = RecertificationRequirement.objects.get(participant=cast.participant)
    assert marker.created_by == cast.staff and marker.is_open

    recert = services.recertification_start(actor=cast.participant, participant=cast.participant)
    assert (recert.phase, recert.term_end) == ("recertification", date(2028, 3, 10))
    assert Invoice.objects.get(enrollment=recert).amount == Decimal("1000.00")
    with pytest.raises(DomainError, match="already started"):
        services.recertification_start(actor=cast.participant, participant=cast.participant)

    unmet.append("Signed policy agreement")
    with pytest.raises(DomainError, match="Not complete yet"):
        services.recertification_approve(actor=cast.staff, enrollment=recert)
    unmet.clear()
    maintenance = services.recertification_approve(actor=cast.staff, enrollment=recert, reason="All done")
    recert.refresh_from_db()
    marker.refresh_from_db()
    assert recert.status == "completed" and not marker.is_open and marker.recertification == recert
    assert (maintenance.phase, maintenance.year_number, maintenance.previous_id) == (
        "maintenance",
        1,
        recert.pk,
    )
    assert Invoice.objects.get(enrollment=maintenance).amount == Decimal("250.00")


@time_machine.travel("2028-04-02 12:00Z", tick=False)
def test_after_a_13_month_lapse_renewal_is_refused_and_recertification_offered(
    cast: Any, unmet: list[str]
) -> None:
    year = enrollment(cast.participant, "maintenance", date(2026, 3, 1), "renewal_due")
    rules.apply(date(2028, 4, 1))
    year.refresh_from_db()
    assert year.status == "lapsed"
    with pytest.raises(DomainError):
        services.maintenance_renew(actor=cast.participant, enrollment=year)
    recert = services.recertification_start(actor=cast.participant, participant=cast.participant)
    assert recert.previous_id == year.pk


def test_recertification_is_refused_when_not_required(cast: Any, unmet: list[str]) -> None:
    enrollment(cast.participant, "maintenance", date(2026, 3, 1), "active")
    with pytest.raises(DomainError, match="not required"):
        services.recertification_start(actor=cast.participant, participant=cast.participant)


def test_a_graduate_past_the_window_sees_recertification_required(cast: Any, unmet: list[str]) -> None:
    enrollment(cast.participant, "phase1", date(2024, 1, 1), "completed", completed_on=date(2025, 1, 2))
    rules.apply(date(2026, 1, 2))
    from maintenance.selectors import recertification_required

    assert "no Maintenance started" in recertification_required(cast.participant)
    assert AuditEntry.objects.filter(action="maintenance.recertification_required").count() == 1
    assert rules.apply(date(2026, 1, 3)).decisions == []


def test_a_recertification_completed_elsewhere_resolves_the_requirement(cast: Any, unmet: list[str]) -> None:
    from enrollment.services import enrollment_change_status
    from maintenance.hooks import resolve_requirements_when_recertified

    grad = enrollment(
        cast.participant, "phase1", date(2024, 1, 1), "completed", completed_on=date(2025, 1, 2)
    )
    rules.apply(date(2026, 1, 2))
    recert = enrollment(cast.participant, "recertification", date(2026, 2, 1), "active", previous=grad)
    from enrollment import hooks

    assert resolve_requirements_when_recertified in hooks.STATUS_CHANGED
    enrollment_change_status(actor=cast.staff, enrollment=recert, new_status="completed")
    marker = RecertificationRequirement.objects.get(source_enrollment=grad)
    assert marker.resolved_at is not None and marker.recertification_id == recert.pk
