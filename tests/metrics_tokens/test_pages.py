"""The pages: what they show, what they refuse, and query counts that do not grow with the rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics_tokens import services
from metrics_tokens.models import MetricReport, TokenLedgerEntry
from tests.support import make_user

from .conftest import open_enrollment, upload

pytestmark = pytest.mark.django_db

START = date(2026, 1, 15)


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    with time_machine.travel("2026-03-10 12:00Z", tick=False):
        yield


def _reports(user: Any, n: int) -> None:
    for i in range(n):
        services.report_record(
            actor=user,
            participant=user,
            report_type="client_follow_up",
            report_date=START + timedelta(days=i % 40),
            client_code=f"C-{i:04d}",
        )


def test_my_reports_says_codes_are_never_names_and_records(cast: Any) -> None:
    open_enrollment(cast.participant, "maintenance", START)
    client = cast.client_for("participant")
    page = client.get("/metrics/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Never the client" in html and "e-mail" in html and "10 tokens left" in html
    refused = client.post(
        "/metrics/reports/",
        {"report_type": "client_initial", "report_date": "2026-03-01", "client_code": "Ann Lee"},
    )
    assert refused.status_code == 400 and "looks like a name" in refused.content.decode()
    assert not MetricReport.objects.exists()
    done = client.post(
        "/metrics/reports/",
        {"report_type": "client_initial", "report_date": "2026-03-01", "client_code": "C-77"},
    )
    assert done.status_code == 302
    assert "9 tokens left" in client.get("/metrics/balance/").content.decode()


def test_a_clinician_without_enrollment_is_told_so(cast: Any) -> None:
    client = cast.client_for("participant")
    assert "No access" in client.get("/metrics/reports/").content.decode()
    refused = client.post("/metrics/reports/", {"report_type": "typical", "report_date": "2026-03-01"})
    assert refused.status_code == 400 and "not enrolled" in refused.content.decode()


def test_the_home_panel_shows_tokens(cast: Any) -> None:
    open_enrollment(cast.participant, "phase1", START)
    html = cast.client_for("participant").get("/").content.decode()
    assert "Metric reports and tokens" in html and "Unlimited" in html


def test_staff_adjust_with_a_reason_on_the_ledger_page(cast: Any) -> None:
    open_enrollment(cast.participant, "maintenance", START)
    staff = cast.client_for("staff")
    url = f"/metrics/staff/ledger/{cast.participant.pk}/"
    refused = staff.post(url, {"kind": "adjustment", "amount": "-2", "reason": ""})
    assert refused.status_code == 400
    assert TokenLedgerEntry.objects.count() == 1
    assert staff.post(url, {"kind": "adjustment", "amount": "-2", "reason": "Duplicate"}).status_code == 302
    html = staff.get(url).content.decode()
    assert "Duplicate" in html and "8 tokens left" in html
    assert "Duplicate" in staff.get("/metrics/staff/ledger/").content.decode()


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_pages_take_the_same_queries_for_1_or_many_rows(cast: Any) -> None:
    pat = cast.participant
    open_enrollment(pat, "maintenance", START)
    services.tokens_adjust(actor=cast.staff, participant=pat, amount=40, reason="Room", kind="grant")
    _reports(pat, 1)
    exercise = services.fidelity_exercise_create(
        actor=cast.staff,
        year=2026,
        title="Case",
        case_abstract=upload(),
        qa_session_at=datetime(2026, 2, 14, 15, tzinfo=UTC),
        qa_session_link="https://meet.example.org/x",
        deadline=date(2026, 4, 30),
    )
    client, staff = cast.client_for("participant"), cast.client_for("staff")
    exercise_url = f"/metrics/staff/fidelity/{exercise.pk}/"
    urls = ["/metrics/reports/", "/metrics/balance/", "/metrics/fidelity/"]
    staff_urls = ["/metrics/staff/ledger/", f"/metrics/staff/ledger/{pat.pk}/", exercise_url]
    [_count(client, u) for u in urls] + [_count(staff, u) for u in staff_urls]  # warm sessions and caches
    before = [_count(client, u) for u in urls] + [_count(staff, u) for u in staff_urls]
    _reports(pat, 30)
    for i in range(15):
        user = make_user(f"m{i}@example.org", ["participant"])
        open_enrollment(user, "maintenance", START)
    after = [_count(client, u) for u in urls] + [_count(staff, u) for u in staff_urls]
    assert before == after


def test_the_staff_ledger_counts_a_person_with_several_roles_once(cast: Any) -> None:
    terry = cast.trainer  # trainer and participant
    open_enrollment(terry, "maintenance", START)
    services.tokens_adjust(actor=cast.staff, participant=terry, amount=2, reason="Pilot", kind="grant")
    page = cast.client_for("staff").get("/metrics/staff/ledger/", {"q": "terry"})
    rows = list(page.context["page"])
    assert [(u.email, u.balance, u.entry_count) for u in rows] == [("terry@example.org", 12, 2)]
