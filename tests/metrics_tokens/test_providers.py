"""Reports and fidelity exercises feed the requirement checklist through the registered providers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics_tokens import services
from metrics_tokens.models import MetricReport
from requirements_tracking.providers import PROVIDERS, progress_from
from tests.support import make_user

from .conftest import open_enrollment

pytestmark = pytest.mark.django_db

START = date(2026, 1, 15)


def _record(user: Any, report_type: str, on: date, code: str = "") -> None:
    services.report_record(
        actor=user, participant=user, report_type=report_type, report_date=on, client_code=code
    )


def test_the_providers_are_registered() -> None:
    assert PROVIDERS["metric_reports"].__name__ == "metric_report_progress"
    assert PROVIDERS["fidelity_exercise"].__name__ == "fidelity_exercise_progress"


@time_machine.travel("2026-06-10 12:00Z")
def test_reports_count_by_type_toward_the_enrollment(cast: Any) -> None:
    pat = cast.participant
    enrollment = open_enrollment(pat, "phase1", START)
    _record(pat, "typical", date(2026, 2, 1))
    _record(pat, "typical", date(2026, 2, 2))
    _record(pat, "client_initial", date(2026, 3, 1), "C-0001")
    _record(pat, "client_follow_up", date(2026, 5, 1), "C-0001")
    typical = progress_from("metric_reports", [enrollment], {"report_types": ["typical"]}, date(2026, 6, 1))
    assert typical[enrollment.pk].done == 2
    assert typical[enrollment.pk].detail == ["2026-02-01 Typical", "2026-02-02 Typical"]
    client = progress_from(
        "metric_reports",
        [enrollment],
        {"report_types": ["client_initial", "client_follow_up"]},
        date(2026, 6, 1),
    )
    assert client[enrollment.pk].done == 2
    as_of_march = progress_from("metric_reports", [enrollment], {}, date(2026, 3, 31))
    assert as_of_march[enrollment.pk].done == 3


@time_machine.travel("2027-06-10 12:00Z")
def test_per_year_caps_what_each_year_contributes(cast: Any) -> None:
    pat = cast.participant
    enrollment = open_enrollment(pat, "phase2", START)
    for i in range(12):
        _record(pat, "client_initial", START + timedelta(days=10 + i), f"C-{i:04d}")
    for i in range(3):
        _record(pat, "typical", date(2027, 2, 1) + timedelta(days=i))
    params = {"report_types": ["typical", "client_initial"], "per_year": 10}
    progress = progress_from("metric_reports", [enrollment], params, date(2027, 6, 1))[enrollment.pk]
    assert progress.done == 10 + 3
    assert progress.detail[:2] == ["Year 1: 12 of 10", "Year 2: 3 of 10"]
    second = progress_from("metric_reports", [enrollment], {"enrollment_year": 2}, date(2027, 6, 1))
    assert second[enrollment.pk].done == 3


def test_the_report_provider_answers_many_enrollments_in_one_query(cast: Any) -> None:
    with time_machine.travel("2026-06-10 12:00Z"):
        enrollments = []
        for i in range(6):
            user = make_user(f"c{i}@example.org", ["participant"])
            enrollments.append(open_enrollment(user, "phase1", START))
            _record(user, "typical", date(2026, 2, 1))
    with CaptureQueriesContext(connection) as one:
        progress_from("metric_reports", enrollments[:1], {"report_types": ["typical"]}, date(2026, 6, 1))
    with CaptureQueriesContext(connection) as six:
        answer = progress_from("metric_reports", enrollments, {"report_types": ["typical"]}, date(2026, 6, 1))
    assert len(one) == len(six) == 1
    assert {p.done for p in answer.values()} == {1}
    assert MetricReport.objects.count() == 6


@time_machine.travel("2026-06-10 12:00Z")
def test_reports_show_on_the_checklist(cast: Any) -> None:
    """Through requirements_tracking's own progress: the December 2025 Phase I metric-report items."""
    from requirements_tracking.selectors import progress_for_enrollments

    pat = cast.participant
    enrollment = open_enrollment(pat, "phase1", START)
    _record(pat, "typical", date(2026, 2, 1))
    _record(pat, "client_initial", date(2026, 3, 1), "C-0001")
    progress = progress_for_enrollments([enrollment], date(2026, 6, 1))[enrollment.pk]
    by_kind = {}
    for item in progress.items:
        if item.kind == "metric_reports":
            by_kind[tuple(sorted(item.detail))] = (item.done, item.target)
    assert (1, 2) in by_kind.values()  # Typical: 1 of 2
    assert (1, 7) in by_kind.values()  # client reports: 1 of 7
