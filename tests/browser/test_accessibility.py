"""axe-core on each role's main pages: no serious or critical WCAG 2.1 A/AA violation anywhere.

The pages are a table (role → URL name, the world's URL arguments, and optionally something done on the
page first: open a menu, submit a form with errors): add a page by adding a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from accounts.demo import DEMO_PASSWORD
from tests.browser.a11y import (
    DEMO_EMAILS,
    ROLES,
    axe_asset,
    axe_violations,
    demo_totp,
    describe,
    seed_world,
    settle,
    sign_in_as,
)
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Do:
    """Something done on a page before it is audited (the page in another state)."""

    label: str
    act: Callable[[Any], None]


def open_menu(name: str) -> Do:
    def act(page: Any) -> None:
        page.get_by_role("button", name=name, exact=True).click()
        page.locator(".dropdown-menu.show").wait_for()

    return Do(f"the {name} menu open", act)


def _open_navigation(page: Any) -> None:
    page.get_by_role("button", name="Toggle navigation").click()
    page.locator("#navbarMain.show").wait_for()


OPEN_NAVIGATION = Do("the navigation opened", _open_navigation)


def submit_empty(form: str) -> Do:
    """Submit the form with nothing filled in (the browser's own checks off), to see its errors."""

    def act(page: Any) -> None:
        page.locator(form).evaluate("(f) => { f.noValidate = true; }")
        with page.expect_navigation():
            page.locator(f"{form} [type=submit]").first.click()

    return Do("submitted empty", act)


def _wrong_password(page: Any) -> None:
    page.locator("#id_login").fill(DEMO_EMAILS["participant"])
    page.locator("#id_password").fill("not-the-password")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


WRONG_PASSWORD = Do("a wrong password", _wrong_password)


# role → (URL name, key of World.args or None[, what to do on the page before the audit]). Staff and admins
# also pass the two-factor page on the way in, which is audited too (see _sign_in_and_audit).
PAGES: dict[str, list[tuple[Any, ...]]] = {
    "anonymous": [
        ("home", None),
        ("account_login", None),
        ("account_login", None, WRONG_PASSWORD),
        ("account_signup", None),
        ("account_signup", None, submit_empty("main form")),
        ("account_reset_password", None),
        ("account_reset_password_done", None),
        ("verify_lookup", None),
        ("verify", "verification"),
    ],
    "participant": [
        ("home", None),
        ("home", None, open_menu("More")),
        ("home", None, open_menu("Pat Participant")),
        ("enrollment:my_certification", None),
        ("enrollment:profile", None),
        ("requirements_tracking:my_checklist", None),
        ("requirements_tracking:calls", None),
        ("requirements_tracking:calendar_feed", None),
        ("metrics_tokens:my_reports", None),
        ("metrics_tokens:my_reports", None, submit_empty("[data-testid=report-form]")),
        ("metrics_tokens:my_balance", None),
        ("metrics_tokens:my_fidelity", None),
        ("study_groups:index", None),
        ("study_groups:detail", "group"),
        ("maintenance:overview", None),
        ("maintenance:reminders", None),
        ("certificates:mine", None),
        ("accounts:preferences", None),
        ("accounts:api_tokens", None),
        ("account_change_password", None),
        ("mfa_index", None),
        ("mfa_activate_totp", None),
    ],
    "mentor": [
        ("home", None),
        ("study_groups:index", None),
        ("study_groups:detail", "group"),  # the mentor console: roster and progress
        ("study_groups:meeting", "meeting"),  # attendance
        ("requirements_tracking:checklist_detail", "checklist"),
    ],
    "trainer": [
        ("home", None),
        ("enrollment:my_certification", None),
        ("requirements_tracking:my_checklist", None),
        ("maintenance:presentations", None),
        ("maintenance:presentation_detail", "presentation"),
        ("study_groups:index", None),
        ("study_groups:detail", "group"),  # as co-facilitator
        ("certificates:mine", None),
        ("certificates:detail", "certificate"),
    ],
    "staff": [
        ("home", None),
        ("staff_console:home", None),
        ("staff_console:home", None, open_menu("Staff")),
        ("staff_console:queue", "queue"),
        ("staff_console:search", None),
        ("staff_console:participant", "participant"),
        ("staff_console:reports", None),
        ("staff_console:audit", None),
        ("enrollment:staff_applications", None),
        ("enrollment:staff_application", "application"),
        ("enrollment:staff_participant", "participant"),
        ("enrollment:staff_import", None),
        ("requirements_tracking:review_queue", None),
        ("maintenance:presentation_queue", None),
        ("maintenance:preview", None),
        ("maintenance:flagged", None),
        ("metrics_tokens:staff_ledger", None),
        ("metrics_tokens:fidelity_staff", None),
        ("study_groups:index", None),
        ("certificates:manage", None),
        ("mfa_index", None),
    ],
    "admin": [
        ("home", None),
        ("certificates:manage", None),  # completions awaiting a certificate: the issue form
        ("certificates:detail", "certificate"),
        ("certificates:bulk", None),
        ("certificates:bulk_job", "bulk_job"),
        ("study_groups:create", None),
        ("accounts:audit_log", None),
    ],
}

# Seen again on a phone-sized screen (390 px): the collapsed navigation, and tables that scroll sideways.
NARROW: dict[str, list[tuple[Any, ...]]] = {
    "participant": [
        ("home", None, OPEN_NAVIGATION),
        ("enrollment:my_certification", None),
        ("requirements_tracking:my_checklist", None),
        ("requirements_tracking:calls", None),
        ("metrics_tokens:my_reports", None),
        ("metrics_tokens:my_balance", None),
    ],
    "staff": [
        ("staff_console:queue", "queue"),
        ("staff_console:participant", "participant"),
        ("staff_console:reports", None),
        ("maintenance:preview", None),
        ("requirements_tracking:review_queue", None),
    ],
}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def axe_script() -> str:
    return str(axe_asset())


def _sign_in_and_audit(page: Any, role: str, failures: list[str]) -> None:
    """Sign in; staff and admins answer the two-factor page, which is audited on the way."""
    if role not in ("staff", "admin"):
        sign_in_as(page, role)
        return
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(DEMO_EMAILS[role])
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    found = axe_violations(page)
    if found:
        failures.append(describe(f"{role} /accounts/2fa/authenticate/", found))
    page.locator("input[name=code]").fill(demo_totp(DEMO_EMAILS[role])())
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def _audit(page: Any, world: Any, role: str, rows: list[tuple[Any, ...]], failures: list[str]) -> None:
    for name, key, *action in rows:
        url = world.url(name, key)
        response = page.goto(url)
        if response is None or response.status != 200:
            failures.append(f"{role} {url}: answered {response and response.status}, not 200")
            continue
        settle(page)
        for do in action:
            do.act(page)
        found = axe_violations(page)
        if found:
            size = page.viewport_size["width"]
            failures.append(
                describe(f"{role} {url} at {size} px" + "".join(f" ({do.label})" for do in action), found)
            )
            shot(page, f"a11y-{role}-{name.replace(':', '-')}-{size}")


def test_it_has_no_serious_violations_on_each_roles_main_pages(page: Any, axe_script: str) -> None:
    world = seed_world()
    page.context.add_init_script(path=axe_script)
    failures: list[str] = []
    for role in ROLES:
        page.context.clear_cookies()
        page.set_viewport_size(DESKTOP)
        _sign_in_and_audit(page, role, failures)
        _audit(page, world, role, PAGES[role], failures)
        page.set_viewport_size(PHONE)
        _audit(page, world, role, NARROW.get(role, []), failures)
    assert not failures, "axe found serious or critical violations:\n" + "\n".join(failures)


def test_a_print_jobs_progress_is_announced_when_its_state_changes(page: Any, cast: Any) -> None:
    """htmx replaces the progress block on every poll; the page's one live region says the new state
    once, and says nothing while the state stays the same."""
    from django.utils import timezone

    from certificates.models import BulkPrintJob, BulkPrintStatus
    from tests.browser.conftest import browser_sign_in
    from tests.support import PASSWORD, totp_code

    job = BulkPrintJob.objects.create(
        created_by=cast.admin, status=BulkPrintStatus.RUNNING, total=2, done_count=1, shard_progress=[1]
    )
    browser_sign_in(page, cast.admin.email, PASSWORD, totp=lambda: totp_code(cast.admin))
    page.goto(f"/certificates/print/{job.pk}/")
    region = page.locator("#live-announcer")
    assert region.get_attribute("role") == "status"
    for _ in range(2):
        with page.expect_response(lambda r: r.url.endswith(f"/print/{job.pk}/progress/")):
            pass
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert region.text_content() == ""

    BulkPrintJob.objects.filter(pk=job.pk).update(
        status=BulkPrintStatus.DONE, done_count=2, finished_at=timezone.now()
    )
    page.get_by_test_id("download-combined").wait_for()
    page.wait_for_function(
        "(text) => document.getElementById('live-announcer').textContent === text",
        arg=f"Print job {job.pk}: done.",
    )
