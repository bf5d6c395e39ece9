"""Program reports, their CSV exports, and the staff API."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from enrollment.models import Enrollment, ExtensionRequest, Organization
from metrics_tokens.models import MetricReport, TokenAccount, TokenLedgerEntry
from staff_console.queues import QUEUES
from staff_console.reports import REPORTS

from .factories import TODAY, at, participant, seed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(at(TODAY), tick=False):
        yield


def _program(cast: Any) -> list[Any]:
    org = Organization.objects.create(name="Big Clinic")
    people = seed(3, organization=org)
    for n in range(4, 9):
        participant(n, organization=org)
    first = Enrollment.objects.get(participant=people[0], phase="phase1")
    first.status, first.completed_on = "completed", date(2026, 5, 20)
    first.save()
    second = Enrollment.objects.get(participant=people[1], phase="phase1")
    second.status, second.ended_on = "lapsed", date(2026, 6, 1)
    second.save()
    ExtensionRequest.objects.filter(enrollment=first).update(
        status="approved", decided_at=at(date(2026, 5, 2)), months_granted=3, decided_by=cast.staff
    )
    account = TokenAccount.objects.create(participant=people[2])
    TokenLedgerEntry.objects.create(
        account=account, kind="grant", amount=10, actor_label="system", reason="Year 1"
    )
    report = MetricReport.objects.create(
        participant=people[2],
        enrollment=Enrollment.objects.get(participant=people[2], phase="phase1"),
        report_type="typical",
        report_date=TODAY,
    )
    TokenLedgerEntry.objects.create(
        account=account, kind="consume", amount=-1, actor_label="system", reason="Report", report=report
    )
    return people


def test_reports_compute_the_program(cast: Any) -> None:
    _program(cast)
    reports = {key: build() for key, build in REPORTS.items()}
    phase1 = next(r for r in reports["phase_status"].rows if r[0] == "Phase I")
    assert phase1[-1] == 3
    cohort = reports["cohorts"].rows
    assert len(cohort) == 1 and cohort[0][2:6] == [3, 1, 1, 0]
    assert cohort[0][6] == 33.3
    ttc = next(r for r in reports["time_to_complete"].rows if r[0] == "Phase I")
    assert ttc[1] == 1 and ttc[2] == 11
    assert reports["extensions"].rows == [["2026-Q2", 1, 0, 3]]
    assert reports["tokens"].rows == [["2026-06", 1, 0, 10]]
    assert reports["organizations"].rows[0][:2] == ["Big Clinic", 8]
    over_time = {r[0]: r[1:] for r in reports["phase_over_time"].rows}
    # Quarters 2024-Q3 … 2026-Q2, the current one as of today (2026-06-15): the three Phase I enrollments
    # started 2025-06-25; one completed 2026-05-20 and one lapsed 2026-06-01.
    assert reports["phase_over_time"].columns[-1] == "2026-Q2"
    assert over_time["Phase I"][-2:] == [3, 1]
    assert over_time["Maintenance"][:3] == [3, 3, 0]  # the 2024 Maintenance years ended 2025-01-01


def test_reports_page_passes_chart_data_without_inline_script(cast: Any) -> None:
    _program(cast)
    response = cast.client_for("staff").get(reverse("staff_console:reports"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="chart-cohorts" type="application/json"' in page
    assert "vendor/chartjs/chart.umd.min.js" in page and "staff_console/reports.js" in page
    assert "<script>" not in page


@pytest.mark.parametrize("key", list(REPORTS))
def test_report_csv_parses_back(cast: Any, key: str) -> None:
    _program(cast)
    response = cast.client_for("staff").get(reverse("staff_console:report_export", args=[key]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    report = REPORTS[key]()
    assert rows[0] == report.columns
    assert rows[1:] == [[str(v) for v in row] for row in report.rows]


def test_api_queues_and_items(cast: Any) -> None:
    seed(2)
    client = cast.client_for("staff")
    counts = client.get(reverse("api:staff-queue-list")).json()
    assert {c["key"]: c["count"] for c in counts} == dict.fromkeys(QUEUES, 2)
    body = client.get(
        reverse("api:staff-queue-detail", args=["unpaid"]), {"sort": "-participant__last_name"}
    ).json()
    assert body["count"] == 2
    assert [r["values"]["E-mail"] for r in body["results"]] == ["p2@example.org", "p1@example.org"]


def test_api_remind_and_search(cast: Any, celery_eager: Any, django_capture_on_commit_callbacks: Any) -> None:
    people = seed(2)
    client = cast.client_for("staff")
    ids = [a.pk for a in people[0].applications.all()]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:staff-queue-remind", args=["applications"]),
            {"ids": ids, "subject": "Your application", "body": "Please send your license."},
            content_type="application/json",
        )
    assert response.status_code == 201
    assert [m.to for m in mail.outbox] == [["p1@example.org"]]
    bad = client.post(
        reverse("api:staff-queue-remind", args=["applications"]),
        {"ids": ids},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "error" in bad.json()
    found = client.post(
        reverse("api:staff-participant-search"),
        {"license_number": "LPC-000002"},
        content_type="application/json",
    ).json()
    assert [p["email"] for p in found["results"]] == ["p2@example.org"]
    record = client.get(reverse("api:staff-participant-detail", args=[people[0].pk])).json()
    assert record["email"] == "p1@example.org" and len(record["enrollments"]) == 2
    reports = client.get(reverse("api:staff-report-list")).json()
    assert [r["key"] for r in reports] == list(REPORTS)
    assert client.get(reverse("api:staff-report-detail", args=["cohorts"])).json()["key"] == "cohorts"
    json.dumps(reports)
