"""Staff and participant enrollment pages on the demo data: they render, and screenshots show them."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_user
from accounts.management.commands.demo_totp import current_code
from tests.browser.conftest import browser_sign_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_pages_on_the_demo_data(page: Any) -> None:
    from accounts import demo as accounts_demo
    from enrollment import demo as enrollment_demo

    accounts_demo.seed()
    enrollment_demo.seed()
    staff = next(p for p in DEMO_PEOPLE if p.email == "staff@example.org")
    browser_sign_in(page, staff.email, DEMO_PASSWORD, totp=lambda: current_code(staff.totp_secret))
    assert page.get_by_test_id("home-staff-queues").is_visible()

    page.goto("/certification/staff/applications/")
    assert "Avery J. Applicant" in page.content()
    page.goto("/certification/staff/organizations/")
    assert page.locator('[data-testid="site-candidate"]').count() == 1
    shot(page, "enrollment-staff-organizations")
    page.goto(f"/certification/staff/participants/{demo_user('participant2@example.org').pk}/")
    assert "Pre-Requisite Series" in page.content()
    page.locator("details summary").first.click()
    shot(page, "enrollment-staff-participant")
    page.goto("/certification/staff/participants/")
    shot(page, "enrollment-staff-participants")
    page.goto("/certification/staff/import/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "records.csv",
                "mimeType": "text/csv",
                "buffer": b"email,legal_name,phase,start_date,end_date\n"
                b"lee@example.org,Lee Imported,phase1,2025-09-01,\n"
                b"bad@example.org,Bad Date,phase1,2025-31-01,\n",
            }
        ],
    )
    page.get_by_role("button", name="Preview").click()
    assert page.get_by_test_id("import-errors").is_visible()
    shot(page, "enrollment-staff-import-preview")


def test_trainer_sees_the_timeline_of_two_phases(page: Any) -> None:
    from accounts import demo as accounts_demo
    from enrollment import demo as enrollment_demo

    accounts_demo.seed()
    enrollment_demo.seed()
    browser_sign_in(page, "trainer@example.org", DEMO_PASSWORD)
    page.goto("/certification/")
    text = page.get_by_test_id("current-phase").inner_text()
    assert "Phase II/TTT" in text
    assert "Completed" in page.content()
    shot(page, "enrollment-trainer-my-certification")
