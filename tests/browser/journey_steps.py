"""What one person does in the browser during the journey test (tests/browser/test_journey.py).

Every step waits for the page that follows a click (a navigation, a URL, a message), never for a fixed
time. The clock is the only thing the test moves by hand: `Clock` wraps time_machine so the live
server, the services and TOTP codes all see the same (travelling) time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import time_machine
from django.core import mail

from tests.browser.conftest import browser_sign_in
from tests.support import PASSWORD, totp_code


def at(day: date, hour: int = 15) -> datetime:
    """A moment on `day` in UTC (15:00 UTC is 10 am in New York: the same date everywhere we use)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Clock:
    """Time for the whole journey: it runs (tick) from wherever the test last moved it."""

    def __init__(self, start: datetime) -> None:
        self._travel = time_machine.travel(start, tick=True)
        self._coordinates: Any = None

    def __enter__(self) -> Clock:
        self._coordinates = self._travel.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._travel.stop()

    def move_to(self, moment: datetime) -> None:
        self._coordinates.move_to(moment)


@contextmanager
def new_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A page in a browser context of its own (its own cookies: one person, one browser)."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Any, user: Any, *, mfa: bool = False) -> None:
    """Sign in afresh: time has usually jumped since the last visit, so the old session is gone anyway."""
    page.context.clear_cookies()
    browser_sign_in(page, user.email, PASSWORD, totp=(lambda: totp_code(user)) if mfa else None)


def submit(page: Any, button: Any) -> None:
    """Click a button that posts a form, and wait for the page the server answers with."""
    with page.expect_navigation():
        button.click()


def messages(page: Any) -> str:
    return str(page.locator(".messages").inner_text())


def sign_up(page: Any, *, email: str, first_name: str, last_name: str) -> None:
    """Sign up on the real page and open the verification link from the e-mail, as a person would."""
    page.goto("/accounts/signup/")
    page.locator("#id_email").fill(email)
    page.locator("#id_first_name").fill(first_name)
    page.locator("#id_last_name").fill(last_name)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    submit(page, page.locator("main form button[type=submit]"))
    sent = [m for m in mail.outbox if email in m.to]
    assert sent, "no verification e-mail was sent"
    link = re.search(r"/accounts/confirm-email/[^\s]+", sent[-1].body)
    assert link is not None, sent[-1].body
    page.goto(link.group(0))
    submit(page, page.locator("main form button[type=submit]"))  # "Confirm"


def fill_application(page: Any, *, legal_name: str) -> None:
    page.locator("#id_legal_name").fill(legal_name)
    page.locator("#id_organization_name").fill("Riverside Family Services")
    page.locator("#id_currently_practicing").check()
    page.locator("#id_populations_served_0").check()
    page.locator("#id_practice_setting").fill("Community mental health clinic")
    page.locator("#id_degree_level").select_option("master")
    page.locator("#id_degree_field").fill("Clinical social work")
    page.locator("#id_degree_institution").fill("Lakeside University")
    page.locator("#id_degree_year").fill("2015")
    page.locator("#id_license_type").fill("LCSW")
    page.locator("#id_license_number").fill("LCSW-55501234")
    page.locator("#id_license_jurisdiction").fill("Oregon")
    page.locator("#id_license_expires_on").fill("2031-06-30")
    page.locator("#id_prior_case_based_series").check()
    page.locator("#id_agreed_to_policy").check()


def tick_checklist(page: Any, code: str, count: int, *, mode: str = "recording") -> None:
    """Record the next `count` sessions or items of one requirement (the form offers the first one not
    recorded yet), dated today."""
    for _ in range(count):
        form = page.get_by_test_id(f"record-{code}")
        label = form.locator("select[name=number] option").first.inner_text()
        form.locator("select[name=mode]").select_option(mode)
        submit(page, form.get_by_role("button", name="Record"))
        assert f", {label}." in messages(page), messages(page)


def count_of(page: Any, code: str) -> str:
    """ "3 of 10" from a requirement's counter (without its "met" badge)."""
    return str(page.get_by_test_id(f"count-{code}").inner_text()).split(" met")[0].strip()


def record_past_calls(page: Any) -> int:
    """On the calls page, record every past call not recorded yet (alternating live and recording)."""
    page.goto("/requirements/calls/")
    past = page.get_by_test_id("past-calls")
    recorded = 0
    while True:
        buttons = past.get_by_role("button", name="Watched recording")
        if buttons.count() == 0:
            return recorded
        name = "Attended live" if recorded % 2 else "Watched recording"
        submit(page, past.get_by_role("button", name=name).first)
        assert "Attendance recorded." in messages(page), messages(page)
        recorded += 1


def record_report(page: Any, report_type: str, client_code: str = "") -> None:
    from django.utils import timezone

    if not page.url.endswith("/metrics/reports/"):
        page.goto("/metrics/reports/")
    form = page.get_by_test_id("report-form")
    form.get_by_label("Report type").select_option(report_type)
    form.get_by_label("Date of the report").fill(timezone.localdate().isoformat())
    form.get_by_label("Client code (pseudonymous)").fill(client_code)
    submit(page, form.get_by_role("button", name="Record report"))
    assert "recorded" in messages(page), messages(page)


def take_attendance(page: Any, group_path: str, member_name: str) -> int:
    """A mentor schedules the group's next meetings from its pattern, then takes attendance for each
    recent meeting not recorded yet. Returns how many meetings were recorded."""
    page.goto(group_path)
    submit(page, page.get_by_role("button", name="Schedule from the pattern"))
    hrefs = [
        link.get_attribute("href")
        for link in page.get_by_test_id("recent-meetings").get_by_role("link").all()
    ]
    recorded = 0
    for href in reversed(hrefs):  # oldest first, as a mentor catching up would
        page.goto(href)
        present = page.get_by_label(f"{member_name}: Present")
        recording = page.get_by_label(f"{member_name}: Watched the recording")
        if present.is_checked() or recording.is_checked():
            continue
        (recording if recorded % 3 == 2 else present).check()
        submit(page, page.get_by_role("button", name="Save attendance"))
        assert "Attendance is saved." in messages(page), messages(page)
        recorded += 1
    return recorded


def record_payment(page: Any, participant: Any, amount: str, reference: str) -> None:
    """Staff record a bank transfer that pays the participant's open invoice in full, dated today."""
    from django.utils import timezone

    page.goto(f"/certification/staff/participants/{participant.pk}/")
    page.locator("summary", has_text="Record payment or waiver").first.click()
    form = page.get_by_test_id("payment-form").first
    form.get_by_label("Amount").fill(amount)
    form.get_by_label("Paid on").fill(timezone.localdate().isoformat())
    form.get_by_label("Method").select_option("bank_transfer")
    form.get_by_label("Reference").fill(reference)
    submit(page, form.get_by_role("button", name="Record payment"))
    assert "Payment recorded." in messages(page), messages(page)


def small_pdf(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(b"%PDF-1.4\n% journey test document\n%%EOF\n")
    return path
