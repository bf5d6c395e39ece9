"""Staff work a queue in the browser: home → queue → choose rows → send a reminder; then the record,
its htmx sections, and the reports with their charts."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from staff_console.models import StaffReminder
from tests.browser.conftest import browser_sign_in, shot
from tests.staff_console.factories import seed
from tests.support import PASSWORD, make_user, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_work_a_queue(page: Any) -> None:
    from enrollment.demo import ensure_policy

    ensure_policy()
    people = seed(3, today=timezone.localdate(), signed_checklists=False)
    staff = make_user("sam@example.org", ["staff"], mfa=True, first_name="Sam", last_name="Staff")
    browser_sign_in(page, staff.email, PASSWORD, totp=lambda: totp_code(staff))

    page.goto("/")
    page.get_by_role("link", name="Open the staff console").click()
    page.wait_for_url("**/staff/")
    assert page.get_by_test_id("count-fidelity").inner_text() == "3"
    shot(page, "staff-console-home")

    page.get_by_test_id("count-fidelity").click()
    page.wait_for_url("**/staff/queues/fidelity/")
    assert page.get_by_test_id("queue-row").count() == 3
    page.get_by_role("link", name="Participant", exact=True).click()  # sort by name
    page.locator("input[name=ids]").nth(0).check()
    page.locator("input[name=ids]").nth(1).check()
    page.get_by_label("Subject").fill("Your Fidelity report is overdue")
    page.get_by_label("Message").fill("Please submit your Fidelity report this week.")
    shot(page, "staff-console-queue")
    page.get_by_test_id("send-reminder").click()
    page.get_by_text("Reminder queued for 2 participants").wait_for()
    assert StaffReminder.objects.count() == 2

    page.goto(f"/staff/participants/{people[0].pk}/")
    page.get_by_test_id("audit-history").wait_for()  # the htmx history section loaded
    assert "staff_console.reminder_sent" in page.get_by_test_id("audit-history").inner_text()
    shot(page, "staff-console-record")

    page.goto("/staff/participants/")
    page.get_by_label("License number (exact)").fill("LPC-000002")
    page.get_by_role("button", name="Find by license").click()
    assert page.get_by_test_id("search-row").count() == 1
    assert "LPC" not in page.url

    page.goto("/staff/reports/")
    page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length > 0")
    shot(page, "staff-console-reports")
