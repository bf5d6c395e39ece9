from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_the_roles_exist_as_groups_from_a_migration() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.parametrize(
    ("role", "testid", "absent"),
    [
        ("participant", "home-participant", ["home-staff", "home-admin", "home-mentor"]),
        ("mentor", "home-mentor", ["home-staff", "home-participant"]),
        ("trainer", "home-trainer", ["home-staff", "home-admin"]),
        ("staff", "home-staff", ["home-admin", "home-participant"]),
        ("admin", "home-admin", ["home-participant"]),
    ],
)
def test_each_role_sees_its_own_home(cast: Any, role: str, testid: str, absent: list[str]) -> None:
    html = cast.client_for(role).get("/").content.decode()
    assert f'data-testid="{testid}"' in html
    for other in absent:
        assert f'data-testid="{other}"' not in html


def test_navigation_shows_staff_links_only_to_staff(cast: Any) -> None:
    assert "Audit log" in cast.client_for("staff").get("/").content.decode()
    assert "Audit log" not in cast.client_for("participant").get("/").content.decode()
    assert "Audit log" not in cast.client_for("mentor").get("/").content.decode()


def test_a_user_may_hold_several_roles(cast: Any) -> None:
    html = cast.client_for("trainer").get("/").content.decode()
    assert 'data-testid="home-trainer"' in html and 'data-testid="home-participant"' in html


def test_friendly_404_page(cast: Any) -> None:
    response = cast.client_for("participant").get("/no/such/page/")
    assert response.status_code == 404
    assert b"couldn't find that page" in response.content


def test_the_landing_page_for_visitors() -> None:
    from django.test import Client

    html = Client().get("/").content.decode()
    assert "Sign in" in html and "Create an account" in html
