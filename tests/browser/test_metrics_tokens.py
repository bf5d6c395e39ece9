"""Metric reports, tokens and the Fidelity Exercise in a real browser, with screenshots to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from metrics_tokens.models import FidelityExercise, MetricReport
from tests.browser.conftest import browser_sign_in, shot
from tests.metrics_tokens.conftest import open_enrollment, program_policy  # noqa: F401 (fixture)
from tests.support import PASSWORD, totp_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("program_policy"),  # re-seeds the policy a flush may have removed
]


def test_a_clinician_records_reports_and_sees_the_balance(page: Any, cast: Any) -> None:
    today = timezone.localdate()
    open_enrollment(cast.participant, "maintenance", today - timedelta(days=90))
    browser_sign_in(page, cast.participant.email, PASSWORD)
    assert page.get_by_test_id("home-metrics").is_visible()
    shot(page, "metrics-home-panel")
    page.goto("/metrics/reports/")
    form = page.get_by_test_id("report-form")
    form.get_by_label("Report type").select_option("client_initial")
    form.get_by_label("Date of the report").fill((today - timedelta(days=2)).isoformat())
    form.get_by_label("Client code (pseudonymous)").fill("Jane Smith")
    form.get_by_role("button", name="Record report").click()
    assert page.get_by_text("No spaces: a code with spaces looks like a name").is_visible()
    shot(page, "metrics-report-refused")
    assert not MetricReport.objects.exists()
    form = page.get_by_test_id("report-form")
    form.get_by_label("Client code (pseudonymous)").fill("C-0142")
    form.get_by_role("button", name="Record report").click()
    page.wait_for_url("**/metrics/reports/")
    assert "One token was used" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("token-balance").inner_text() == "9 tokens left"
    shot(page, "metrics-my-reports")
    page.get_by_role("link", name="Token balance and history").click()
    assert page.get_by_test_id("ledger").locator("tbody tr").count() == 2
    shot(page, "metrics-my-balance")


def test_staff_run_the_fidelity_exercise_and_adjust_tokens(page: Any, cast: Any, tmp_path: Path) -> None:
    today = timezone.localdate()
    open_enrollment(cast.participant, "maintenance", today - timedelta(days=90))
    open_enrollment(cast.other_participant, "phase1", today - timedelta(days=30))
    browser_sign_in(page, cast.staff.email, PASSWORD, totp=lambda: totp_code(cast.staff))
    page.goto(f"/metrics/staff/ledger/{cast.participant.pk}/")
    form = page.get_by_test_id("adjust-form")
    form.get_by_label("Amount").fill("3")
    form.get_by_label("Reason").fill("Extra reports agreed for the site pilot")
    form.get_by_role("button", name="Add to ledger").click()
    page.wait_for_url(f"**/metrics/staff/ledger/{cast.participant.pk}/")
    assert page.get_by_test_id("token-balance").inner_text() == "13 tokens left"
    shot(page, "metrics-staff-participant-ledger")
    page.goto("/metrics/staff/ledger/")
    shot(page, "metrics-staff-ledger")

    abstract = tmp_path / "case.pdf"
    abstract.write_bytes(b"%PDF-1.4 case")
    page.goto("/metrics/staff/fidelity/")
    form = page.get_by_test_id("exercise-form")
    form.get_by_label("Year").fill(str(today.year))
    form.get_by_label("Title").fill("The case of R.")
    form.get_by_label("Case abstract").set_input_files(str(abstract))
    form.get_by_label("Q&A session (date and time, in your time zone)").fill(
        f"{today + timedelta(days=7)}T15:00"
    )
    form.get_by_label("Q&A session link").fill("https://meet.example.org/qa")
    form.get_by_label("Submission deadline (last day)").fill(str(today + timedelta(days=30)))
    form.get_by_role("button", name="Create and assign").click()
    page.wait_for_url("**/metrics/staff/fidelity/*/")
    assert FidelityExercise.objects.get().assignments.count() == 2
    assert page.get_by_test_id("missing").locator("li").count() == 2
    shot(page, "metrics-fidelity-staff-detail")
    page.goto("/metrics/staff/fidelity/")
    shot(page, "metrics-fidelity-staff-list")


def test_a_clinician_sees_the_fidelity_exercise(page: Any, cast: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from metrics_tokens import services

    today = timezone.localdate()
    open_enrollment(cast.participant, "phase1", today - timedelta(days=90))
    services.fidelity_exercise_create(
        actor=cast.staff,
        year=today.year,
        title="The case of R.",
        case_abstract=SimpleUploadedFile("case.pdf", b"%PDF-1.4"),
        qa_session_at=timezone.now() + timedelta(days=7),
        qa_session_link="https://meet.example.org/qa",
        deadline=today + timedelta(days=30),
    )
    browser_sign_in(page, cast.participant.email, PASSWORD)
    page.goto("/metrics/fidelity/")
    assert page.get_by_test_id("assignment").is_visible()
    shot(page, "metrics-my-fidelity")
