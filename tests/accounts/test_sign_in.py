from __future__ import annotations

import re
import time
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.support import PASSWORD, make_user, sign_in, totp_code

pytestmark = pytest.mark.django_db


def test_it_signs_up_with_email_and_requires_verification() -> None:
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new.person@example.org",
            "password1": "a-long-enough-pass-77",
            "password2": "a-long-enough-pass-77",
            "first_name": "New",
            "last_name": "Person",
            "time_zone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/confirm-email/")
    user = User.objects.get(email="new.person@example.org")
    assert user.time_zone == "Europe/Berlin"
    assert user.groups.filter(name="participant").exists()
    # Not verified yet: signing in is refused until the link in the e-mail is followed.
    assert len(mail.outbox) == 1
    response = sign_in(Client(), "new.person@example.org", "a-long-enough-pass-77")
    assert response["Location"].startswith("/accounts/confirm-email/")
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+)", mail.outbox[-1].body)
    assert link
    response = client.post(link.group(1))
    assert response.status_code == 302
    fresh = Client()
    assert sign_in(fresh, "new.person@example.org", "a-long-enough-pass-77")["Location"] == "/"
    assert fresh.get("/").status_code == 200


def test_it_signs_in_by_email_not_username(cast: Any) -> None:
    client = Client()
    response = sign_in(client, "pat@example.org")
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert b"Welcome, Pat" in page.content


def test_it_asks_staff_for_their_second_factor(cast: Any) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"login": "sam@example.org", "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate")
    # Without the code the staff member is not signed in.
    assert client.get("/me/audit/")["Location"].startswith("/accounts/login/")
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200  # form shown again with an error
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(cast.staff)})
    assert response["Location"] == "/"
    assert client.get("/me/audit/").status_code == 200


def test_it_sends_staff_without_mfa_to_set_it_up(db: Any) -> None:
    staff = make_user("nomfa@example.org", ["staff"])
    client = Client()
    client.force_login(staff)
    response = client.get("/me/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_a_staff_member_enrolls_in_mfa_and_then_reaches_staff_pages(db: Any) -> None:
    staff = make_user("enroll@example.org", ["staff"])
    client = Client()
    assert sign_in(client, "enroll@example.org")["Location"] == "/"
    # Setting up MFA asks for the password again first.
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert client.get("/me/audit/").status_code == 200
    assert staff.authenticator_set.count() >= 1


def test_participants_never_reach_staff_pages(cast: Any) -> None:
    assert cast.client_for("participant").get("/me/audit/").status_code == 403


def test_the_admin_login_goes_through_allauth(cast: Any) -> None:
    client = Client()
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # Posting straight to the admin's own login form does not sign anyone in.
    client.post("/admin/login/", {"username": "alex@example.org", "password": PASSWORD})
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_admin_site_is_for_admins_with_mfa(cast: Any) -> None:
    assert cast.client_for("admin").get("/admin/").status_code == 200
    assert cast.client_for("staff").get("/admin/").status_code in (302, 403)
    admin_without_mfa = make_user("admin-nomfa@example.org", ["admin"])
    client = Client()
    client.force_login(admin_without_mfa)
    assert client.get("/admin/").status_code in (302, 403)


def test_the_sixth_failed_sign_in_is_blocked(cast: Any) -> None:
    client = Client()
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "pat@example.org", "password": "wrong"})
        assert response.status_code == 200
        assert b"too many" not in response.content.lower()
    response = client.post("/accounts/login/", {"login": "pat@example.org", "password": PASSWORD})
    assert response.status_code == 429 or b"too many" in response.content.lower()
    assert "_auth_user_id" not in client.session


def test_the_sixth_failed_admin_sign_in_is_blocked_too(cast: Any) -> None:
    # The admin's login page sends everyone to allauth's, so the same limit applies.
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/?next=/admin/", {"login": "alex@example.org", "password": "wrong"})
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": "alex@example.org", "password": PASSWORD}
    )
    assert response.status_code == 429 or b"too many" in response.content.lower()


def test_pages_show_times_in_the_users_time_zone(cast: Any) -> None:
    from accounts.services import audit_record

    cast.staff.time_zone = "Asia/Tokyo"
    cast.staff.save()
    entry = audit_record(actor=cast.participant, action="demo.thing")
    local = entry.at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M")
    page = cast.client_for("staff").get("/me/audit/")
    assert local in page.content.decode()


def test_preferences_change_the_time_zone_and_audit_it(cast: Any) -> None:
    client = cast.client_for("participant")
    response = client.post(
        "/me/preferences/", {"first_name": "Pat", "last_name": "P", "time_zone": "Australia/Sydney"}
    )
    assert response.status_code == 302
    cast.participant.refresh_from_db()
    assert cast.participant.time_zone == "Australia/Sydney"
    bad = client.post("/me/preferences/", {"first_name": "Pat", "last_name": "P", "time_zone": "Mars/Base"})
    assert bad.status_code == 200 and b"Select a valid choice" in bad.content
    cast.participant.refresh_from_db()
    assert cast.participant.time_zone == "Australia/Sydney"


def test_adding_mfa_ends_other_sessions(cast: Any) -> None:
    other = Client()
    other.force_login(cast.participant)
    assert other.get("/me/preferences/").status_code == 200
    cast.participant.rotate_security_stamp()
    assert other.get("/me/preferences/")["Location"].startswith("/accounts/login/")
