from __future__ import annotations

from typing import Any

import pytest

from accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_user
from accounts.management.commands.demo_totp import current_code
from tests.browser.conftest import browser_sign_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_MARKERS = {
    "participant@example.org": "home-participant",
    "participant2@example.org": "home-participant",
    "applicant@example.org": "home-participant",
    "mentor@example.org": "home-mentor",
    "trainer@example.org": "home-trainer",
    "staff@example.org": "home-staff",
    "admin@example.org": "home-admin",
}


def test_every_demo_role_signs_in_and_sees_its_home(page: Any) -> None:
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("seed_demo")
    for person in DEMO_PEOPLE:
        cache.clear()
        totp = (lambda p=person: current_code(p.totp_secret)) if person.totp_secret else None
        browser_sign_in(page, person.email, DEMO_PASSWORD, totp=totp)
        marker = page.locator(f'[data-testid="{HOME_MARKERS[person.email]}"]')
        assert marker.is_visible(), person.email
        assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
        shot(page, f"home-{person.email.split('@')[0]}")
        page.get_by_test_id("user-menu").click()
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/accounts/login/**")
        assert demo_user(person.email).is_active
