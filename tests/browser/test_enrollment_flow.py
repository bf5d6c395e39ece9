"""Apply → staff approve → the participant sees an active Phase I, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import browser_sign_in, shot
from tests.support import PASSWORD, make_user, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_out(page: Any) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")


def test_apply_then_staff_approve_then_the_participant_sees_active_phase_one(page: Any) -> None:
    from django.core.cache import cache

    from enrollment.demo import ensure_policy

    ensure_policy()  # an earlier transactional test flushed the migration's policy
    applicant = make_user("robin@example.org", ["participant"], first_name="Robin", last_name="Applicant")
    staff = make_user("sam@example.org", ["staff"], mfa=True, first_name="Sam", last_name="Staff")

    browser_sign_in(page, applicant.email, PASSWORD)
    page.goto("/certification/")
    shot(page, "enrollment-1-before-applying")
    page.get_by_test_id("apply-link").click()
    page.locator("#id_legal_name").fill("Robin A. Applicant")
    page.locator("#id_currently_practicing").check()
    page.locator("#id_populations_served_0").check()
    page.locator("#id_degree_level").select_option("master")
    page.locator("#id_degree_field").fill("Clinical social work")
    page.locator("#id_degree_institution").fill("Lakeside University")
    page.locator("#id_degree_year").fill("2014")
    page.locator("#id_license_type").fill("LCSW")
    page.locator("#id_license_number").fill("LCSW-77001234")
    page.locator("#id_license_jurisdiction").fill("Oregon")
    page.locator("#id_license_expires_on").fill("2030-06-30")
    page.locator("#id_agreed_to_policy").check()
    shot(page, "enrollment-2-application-form")
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url("**/certification/")
    assert "waiting for review" in page.get_by_test_id("current-phase").inner_text()
    _sign_out(page)

    cache.clear()
    browser_sign_in(page, staff.email, PASSWORD, totp=lambda: totp_code(staff))
    page.goto("/certification/staff/applications/")
    shot(page, "enrollment-3-review-queue")
    page.get_by_role("link", name="Review").first.click()
    assert "Pre-Requisite Series" in page.content()
    shot(page, "enrollment-4-application-review")
    page.get_by_test_id("approve").click()
    page.wait_for_load_state()
    assert "Approved" in page.content()
    _sign_out(page)

    cache.clear()
    browser_sign_in(page, applicant.email, PASSWORD)
    page.goto("/certification/")
    current = page.get_by_test_id("current-phase").inner_text()
    assert "Phase I" in current and "Active" in current
    assert page.get_by_test_id("balance").inner_text() == "$4,000.00"
    shot(page, "enrollment-5-my-certification-active")
