"""A participant ticks items, watches the progress bar move, and signs their checklist."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from requirements_tracking.models import Checklist, ChecklistEntry, ChecklistStatus
from requirements_tracking.selectors import checklist_for
from tests.browser.conftest import browser_sign_in, shot
from tests.requirements_tracking.factories import (
    clear_signed_checklists,
    fake_providers,
    fill_checklist,
    open_enrollment,
)
from tests.support import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _program_data(live_server: Any) -> Any:
    """The policy, templates, texts and call series come from data migrations, which an earlier
    transactional test's flush removes: seed them again (idempotent) when they are missing."""
    from importlib import import_module

    from django.apps import apps

    for module in (
        "enrollment.migrations.0002_december_2025_policy",
        "requirements_tracking.migrations.0003_december_2025_requirements",
    ):
        import_module(module).seed(apps, None)
    yield


@pytest.fixture(autouse=True)
def _clear_signed(live_server: Any) -> Any:
    yield
    clear_signed_checklists()


def _overall(page: Any) -> int:
    return int(page.get_by_test_id("overall-progress").get_attribute("aria-valuenow"))


def test_a_participant_ticks_sessions_watches_progress_and_signs(page: Any) -> None:
    with fake_providers(), time_machine.travel("2027-01-02 15:00:00+00:00", tick=True):
        user = make_user("pat@example.org", ["participant"], first_name="Pat", last_name="Participant")
        enrollment = open_enrollment(user, start=date(2026, 1, 5))
        fill_checklist(user, enrollment, date(2026, 2, 1))
        checklist = checklist_for(enrollment)
        # Leave the last three Core Series sessions for the participant to tick in the browser.
        ChecklistEntry.objects.filter(
            requirement__checklist=checklist, requirement__code="core_series", number__gte=8
        ).delete()

        browser_sign_in(page, user.email, PASSWORD)
        page.goto("/requirements/")
        page.wait_for_url(f"**/requirements/checklists/{checklist.pk}/")
        before = _overall(page)
        assert before < 100
        shot(page, "requirements-checklist-before")

        form = page.get_by_test_id("record-core_series")
        form.locator("select[name=number]").select_option("8")
        form.locator("select[name=mode]").select_option("live")
        form.locator("input[name=note]").fill("Watched with my team")
        form.get_by_role("button", name="Record").click()
        page.wait_for_load_state()
        assert page.get_by_text("Recorded: NMT Core Certification Series recordings, Session 8.").is_visible()
        middle = _overall(page)
        assert before < middle < 100
        # The bar's width follows its value (set by our script: no inline styles under the CSP).
        width = (
            page.get_by_test_id("overall-progress").locator(".progress-bar").evaluate("el => el.style.width")
        )
        assert width == f"{middle}%"
        assert page.get_by_test_id("count-core_series").inner_text().startswith("8 of 10")
        shot(page, "requirements-checklist-ticked")

        for number in ("9", "10"):
            form = page.get_by_test_id("record-core_series")
            form.locator("select[name=number]").select_option(number)
            form.get_by_role("button", name="Record").click()
            page.wait_for_load_state()
        assert _overall(page) == 100

        page.get_by_test_id("sign-link").click()
        page.wait_for_url(f"**/checklists/{checklist.pk}/sign/")
        assert "I attest that" in page.get_by_test_id("attestation-text").inner_text()
        page.locator("#id_attest").check()
        page.locator("#id_full_name").fill("Someone Else")
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name="Sign checklist").click()
        assert page.get_by_text("Type your full name exactly").first.is_visible()
        shot(page, "requirements-sign-wrong-name")

        page.locator("#id_attest").check()
        page.locator("#id_full_name").fill("Pat Participant")
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name="Sign checklist").click()
        page.wait_for_url(f"**/checklists/{checklist.pk}/")
        assert "Signed" in page.get_by_test_id("checklist-status").inner_text()
        shot(page, "requirements-checklist-signed")

        page.get_by_role("link", name="Check integrity").click()
        assert page.get_by_test_id("integrity-intact").is_visible()
        shot(page, "requirements-integrity")

    signed = Checklist.objects.get(pk=checklist.pk)
    assert signed.status == ChecklistStatus.SIGNED and signed.signed_user_agent


def test_calls_calendar_and_agreement_pages(page: Any) -> None:
    user = make_user("pat@example.org", ["participant"], first_name="Pat", last_name="Participant")
    user.time_zone = "Europe/London"
    user.save()
    open_enrollment(user, start=date(2026, 1, 5))
    browser_sign_in(page, user.email, PASSWORD)
    page.goto("/")
    assert page.get_by_test_id("home-requirements").is_visible()
    assert page.get_by_test_id("agreement-prompt").is_visible()
    shot(page, "requirements-home-panel")
    page.goto("/requirements/calls/")
    assert "Europe/London" in page.locator("main").inner_text()
    past = page.get_by_test_id("past-calls")
    past.get_by_role("button", name="Watched recording").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("Attendance recorded.").is_visible()
    shot(page, "requirements-calls")
    page.goto("/requirements/calendar/")
    page.get_by_test_id("feed-make").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("feed-url").inner_text().endswith(".ics")
    shot(page, "requirements-calendar-feed")
    page.goto("/requirements/agreement/")
    page.locator("#id_agree").check()
    page.locator("#id_full_name").fill("Pat Participant")
    page.get_by_role("button", name="Sign version 1").click()
    assert page.get_by_test_id("agreement-signed").is_visible()
    shot(page, "requirements-agreement")


def test_staff_verify_a_signed_checklist(page: Any) -> None:
    from requirements_tracking.services import checklist_sign
    from tests.support import totp_code

    with fake_providers():
        user = make_user("pat@example.org", ["participant"], first_name="Pat", last_name="Participant")
        staff = make_user("sam@example.org", ["staff"], mfa=True, first_name="Sam", last_name="Staff")
        with time_machine.travel("2027-01-02 15:00:00+00:00", tick=False):
            enrollment = open_enrollment(user, start=date(2026, 1, 5))
            fill_checklist(user, enrollment, date(2026, 2, 1))
            checklist = checklist_for(enrollment)
            checklist_sign(
                actor=user,
                checklist=checklist,
                full_name="Pat Participant",
                password=PASSWORD,
                attestation_version=1,
            )
        browser_sign_in(page, staff.email, PASSWORD, totp=lambda: totp_code(staff))
        page.goto("/requirements/review/")
        shot(page, "requirements-review-queue")
        page.get_by_role("link", name="Pat Participant").click()
        page.locator("#review-comment").fill("All in order.")
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()
        assert "Verified" in page.get_by_test_id("checklist-status").inner_text()
        shot(page, "requirements-staff-verified")
    assert Checklist.objects.get(pk=checklist.pk).status == ChecklistStatus.VERIFIED
