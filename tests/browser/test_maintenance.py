"""Maintenance pages in a real browser: a participant renews, a trainer submits a presentation, staff
review it and look at what happens next. Screenshots: test-artifacts/maintenance-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.demo import DEMO_PASSWORD
from accounts.management.commands.demo_totp import current_code
from accounts.models import User
from enrollment.models import Enrollment
from tests.browser.conftest import browser_sign_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_out(page: Any) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")


def test_renew_submit_review_and_preview(page: Any, tmp_path: Any, monkeypatch: Any) -> None:
    from django.core.cache import cache
    from django.core.management import call_command

    from enrollment import hooks

    call_command("seed_demo")
    # The demo's Maintenance year counts as complete here (its checklist is the requirements app's).
    monkeypatch.setattr(hooks, "COMPLETION_CHECKS", [])

    browser_sign_in(page, "renewal@example.org", DEMO_PASSWORD)
    assert page.get_by_test_id("home-maintenance").is_visible()
    page.goto("/maintenance/")
    assert page.get_by_test_id("maintenance-year").is_visible()
    shot(page, "maintenance-participant-before-renewal")
    page.get_by_role("button", name="Renew Maintenance").click()
    page.wait_for_load_state()
    assert page.get_by_text("Renewed: Maintenance year 3").is_visible()
    shot(page, "maintenance-participant-renewed")
    robin = User.objects.get(email="renewal@example.org")
    assert Enrollment.objects.filter(participant=robin, phase="maintenance", year_number=3).exists()
    page.goto("/maintenance/reminders/")
    assert page.get_by_text("Your Maintenance year ends soon").first.is_visible()
    shot(page, "maintenance-reminders")
    _sign_out(page)

    cache.clear()
    browser_sign_in(page, "trainer@example.org", DEMO_PASSWORD)
    assert page.get_by_test_id("home-presentations").is_visible()
    page.goto("/maintenance/presentations/")
    slides = tmp_path / "talk.pdf"
    slides.write_bytes(b"%PDF-1.4\n% browser test\n%%EOF\n")
    page.get_by_label("Title").fill("Core concepts for youth workers")
    page.get_by_label("Audience").fill("Youth workers")
    page.get_by_label("Planned date").fill("2030-05-04")
    page.get_by_label("Venue").fill("City Youth Center")
    page.get_by_label("Slides").set_input_files(str(slides))
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url("**/maintenance/presentations/*/")
    assert page.get_by_test_id("presentation-status").inner_text() == "Awaiting review"
    shot(page, "maintenance-presentation-submitted")
    detail_url = page.url
    _sign_out(page)

    cache.clear()
    browser_sign_in(
        page, "staff@example.org", DEMO_PASSWORD, totp=lambda: current_code("JBSWY3DPEHPK3PXPDEMOSTAF")
    )
    assert page.get_by_test_id("home-staff-next").is_visible()
    shot(page, "maintenance-staff-home")
    page.goto("/maintenance/staff/presentations/")
    shot(page, "maintenance-presentation-queue")
    page.goto(detail_url)
    page.get_by_label("Decision").select_option("return")
    page.get_by_label("Comments").fill(
        "Please remove the slide on metric scoring: trainers may not teach it."
    )
    page.get_by_role("button", name="Save review").click()
    page.wait_for_url("**/staff/presentations/")
    page.goto("/maintenance/staff/next/?days=90")
    assert page.get_by_role("heading", level=1).inner_text() == "What happens in the next 90 days"
    shot(page, "maintenance-staff-preview")
    page.goto("/maintenance/staff/flagged/")
    assert page.get_by_text("Frankie Flagged").first.is_visible()
    shot(page, "maintenance-staff-flagged")
    page.goto("/maintenance/staff/recertification/")
    shot(page, "maintenance-staff-recertification")
