"""Security settings and session rules, checked as a client sees them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.services import user_deactivate
from tests.support import PASSWORD, sign_in

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

PROBE = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
c = Client()
r = c.get("/accounts/login/", secure=True, HTTP_HOST="cert.example.org")
plain = c.get("/accounts/login/", HTTP_HOST="cert.example.org")
cookies = {k: {"secure": bool(v["secure"]), "httponly": bool(v["httponly"])} for k, v in r.cookies.items()}
print(json.dumps({"status": r.status_code, "headers": dict(r.headers), "cookies": cookies,
                  "plain_status": plain.status_code, "plain_location": plain.get("Location", "")}))
"""


@pytest.fixture(scope="module")
def production_response() -> dict[str, Any]:
    """One request made by a process configured as production (DJANGO_DEBUG=0)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": "k3y-for-a-production-like-probe-9f8e7d6c5b4a3210-abcdefghijkl",
            "ALLOWED_HOSTS": "cert.example.org",
            "DJANGO_SETTINGS_MODULE": "nmt_cert.settings",
            "NMT_TESTING": "0",
            "DATABASE_URL": "sqlite:///:memory:",
        }
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_and_redirects_plain_http(production_response: dict[str, Any]) -> None:
    headers = production_response["headers"]
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert production_response["plain_status"] == 301
    assert production_response["plain_location"].startswith("https://")


def test_production_cookies_are_secure_and_httponly(production_response: dict[str, Any]) -> None:
    cookies = production_response["cookies"]
    assert cookies["csrftoken"] == {"secure": True, "httponly": True}


def test_every_page_sends_the_protective_headers(production_response: dict[str, Any]) -> None:
    headers = production_response["headers"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_personal_pages_are_not_cached(cast: Any) -> None:
    response = cast.client_for("participant").get("/me/preferences/")
    assert response["Cache-Control"] == "no-store"
    assert "no-store" not in Client().get("/static/css/app.css").get("Cache-Control", "")


def test_a_session_ends_after_being_idle(cast: Any, settings: Any) -> None:
    client = Client()
    sign_in(client, "pat@example.org")
    assert client.get("/me/preferences/").status_code == 200
    session = client.session
    session["nmt_seen"] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    assert client.get("/me/preferences/")["Location"].startswith("/accounts/login/")


def test_a_session_ends_at_its_absolute_limit_even_when_busy(cast: Any, settings: Any) -> None:
    client = Client()
    sign_in(client, "pat@example.org")
    client.get("/me/preferences/")
    session = client.session
    session["nmt_started"] = int(time.time()) - settings.SESSION_COOKIE_AGE - 5
    session["nmt_seen"] = int(time.time())
    session.save()
    assert client.get("/me/preferences/")["Location"].startswith("/accounts/login/")


def test_signing_out_ends_the_session(cast: Any) -> None:
    client = Client()
    sign_in(client, "pat@example.org")
    client.post("/accounts/logout/")
    assert client.get("/me/preferences/")["Location"].startswith("/accounts/login/")


def test_a_password_change_ends_the_other_sessions(cast: Any) -> None:
    here, elsewhere = Client(), Client()
    sign_in(here, "pat@example.org")
    sign_in(elsewhere, "pat@example.org")
    response = here.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-brand-new-pass-51", "password2": "a-brand-new-pass-51"},
    )
    assert response.status_code == 302
    assert here.get("/me/preferences/").status_code == 200
    assert elsewhere.get("/me/preferences/")["Location"].startswith("/accounts/login/")


def test_deactivating_an_account_ends_its_sessions(cast: Any) -> None:
    client = Client()
    sign_in(client, "pat@example.org")
    user_deactivate(actor=cast.staff, user=cast.participant, reason="left the program")
    assert client.get("/me/preferences/")["Location"].startswith("/accounts/login/")
    fresh = Client()
    sign_in(fresh, "pat@example.org")  # an inactive account cannot sign in again
    assert "_auth_user_id" not in fresh.session


def test_state_changing_requests_need_a_csrf_token(cast: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.participant)
    response = client.post("/me/preferences/", {"first_name": "X", "last_name": "Y", "time_zone": "UTC"})
    assert response.status_code == 403
    cast.participant.refresh_from_db()
    assert cast.participant.first_name == "Pat"


def test_api_session_writes_need_a_csrf_token_too(cast: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.participant)
    response = client.post("/api/v1/tokens/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
