"""Security settings and session rules, checked as a client sees them."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from accounts.services import api_token_create, user_deactivate
from tests.support import PASSWORD, make_user, sign_in

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


# --- Sessions end when the second factor changes ---------------------------------------------------


def _signed_out(client: Client) -> bool:
    return client.get("/me/preferences/").get("Location", "").startswith("/accounts/login/")


def _two_sessions(email: str) -> tuple[Client, Client]:
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert sign_in(client, email)["Location"] == "/"
    return here, elsewhere


def _reauthenticate(client: Client) -> None:
    # MFA changes ask for the password again first (allauth's reauthentication).
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302


# allauth announces these changes after commit, and the session must carry the new hash by the time the
# response saves it: these run in real transactions (a captured callback would run after the response).


@pytest.mark.django_db(transaction=True)
def test_activating_two_factor_authentication_ends_the_other_sessions() -> None:
    make_user("mfa.on@example.org", ["participant"])
    here, elsewhere = _two_sessions("mfa.on@example.org")
    _reauthenticate(here)
    secret = here.get("/accounts/2fa/totp/activate/").context["form"].secret
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    assert here.post("/accounts/2fa/totp/activate/", {"code": code}).status_code == 302
    assert here.get("/me/preferences/").status_code == 200  # the one who changed it stays in
    assert _signed_out(elsewhere)


@pytest.mark.django_db(transaction=True)
def test_deactivating_two_factor_authentication_ends_the_other_sessions() -> None:
    user = make_user("mfa.off@example.org", ["participant"], mfa=True)
    here, elsewhere = _two_sessions("mfa.off@example.org")
    _reauthenticate(here)
    assert here.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert here.get("/me/preferences/").status_code == 200
    assert _signed_out(elsewhere)


@pytest.mark.django_db(transaction=True)
def test_new_recovery_codes_end_the_other_sessions() -> None:
    user = make_user("mfa.codes@example.org", ["participant"], mfa=True)
    old = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).pk
    here, elsewhere = _two_sessions("mfa.codes@example.org")
    _reauthenticate(here)
    assert here.post("/accounts/2fa/recovery-codes/generate/").status_code == 302
    assert Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).pk != old
    assert here.get("/me/preferences/").status_code == 200
    assert _signed_out(elsewhere)


# --- The sixth failed sign-in, on the sign-in page and through the admin's login --------------------


def _blocked(response: Any) -> bool:
    return response.status_code == 429 or b"too many" in response.content.lower()


def test_the_sixth_failed_sign_in_through_the_admin_login_route_is_blocked(cast: Any) -> None:
    client = Client()
    login = client.get("/admin/login/?next=/admin/")["Location"]
    assert login.startswith("/accounts/login/") and "next=" in login
    for _ in range(5):
        response = client.post(login, {"login": "alex@example.org", "password": "wrong"})
        assert response.status_code == 200 and not _blocked(response)
    response = client.post(login, {"login": "alex@example.org", "password": PASSWORD})
    assert _blocked(response)  # the right password too: not even the second factor is asked
    assert not response.get("Location", "").startswith("/accounts/2fa/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_admin_login_and_the_sign_in_page_share_one_limit(cast: Any) -> None:
    client = Client()
    login = client.get("/admin/login/?next=/admin/")["Location"]
    for path in ("/accounts/login/", "/accounts/login/", "/accounts/login/", login, login):
        assert not _blocked(client.post(path, {"login": "pat@example.org", "password": "wrong"}))
    # The admin's own form takes no credentials at all: it sends everyone to the sign-in page.
    for _ in range(3):
        direct = client.post("/admin/login/", {"username": "pat@example.org", "password": PASSWORD})
        assert direct.status_code == 302 and direct["Location"].startswith("/accounts/login/")
    assert _blocked(client.post(login, {"login": "pat@example.org", "password": PASSWORD}))
    assert _blocked(client.post("/accounts/login/", {"login": "pat@example.org", "password": PASSWORD}))
    assert "_auth_user_id" not in client.session


# --- Personal data is never kept by a cache ---------------------------------------------------------


def test_every_personal_data_page_download_and_api_answer_says_no_store(cast: Any, settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from certificates.services import certificate_issue
    from enrollment import services as enrollment_services
    from requirements_tracking.models import ChecklistRequirement
    from requirements_tracking.selectors import checklist_for
    from requirements_tracking.services import entry_record, today_for
    from staff_console.models import EvidencePackJob, EvidencePackStatus
    from tests.certificates.factories import completed_enrollment
    from tests.enrollment.factories import submitted_application

    person = cast.participant
    application = submitted_application(person)
    enrollment_services.application_approve(actor=cast.staff, application=application)
    enrollment = application.enrollment
    checklist = checklist_for(enrollment)
    requirement = ChecklistRequirement.objects.filter(checklist=checklist, kind="sessions").first()
    entry = entry_record(
        actor=person,
        requirement=requirement,
        number=1,
        # The start date is the server's day, which may be a day ahead of the participant's own.
        completed_on=min(enrollment.start_date, today_for(person)),
        evidence=SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n% a session certificate\n%%EOF\n"),
    )
    certificate = certificate_issue(actor=cast.admin, enrollment=completed_enrollment(person, phase="phase2"))
    pack_file = Path(settings.MEDIA_ROOT) / "staff_console" / "evidence" / "pack.pdf"
    pack_file.parent.mkdir(parents=True)
    pack_file.write_bytes(b"%PDF-1.4\n%%EOF\n")
    pack = EvidencePackJob.objects.create(
        participant=person,
        requested_by=cast.staff,
        status=EvidencePackStatus.DONE,
        pdf_file="staff_console/evidence/pack.pdf",
    )
    _, secret = api_token_create(actor=person, user=person, name="laptop")

    participant_pages = [
        "/",
        "/me/preferences/",
        "/certification/",
        "/certification/profile/",
        f"/requirements/checklists/{checklist.pk}/",
        f"/requirements/entries/{entry.pk}/evidence/",  # an evidence file
        "/metrics/reports/",
        "/metrics/balance/",
        "/certificates/",
        f"/certificates/{certificate.pk}/pdf/",
        "/api/v1/me/",
        f"/api/v1/participants/{person.pk}/",
    ]
    staff_pages = [
        f"/staff/participants/{person.pk}/",  # the participant record and its sections
        *(
            f"/staff/participants/{person.pk}/sections/{s}/"
            for s in ("progress", "activity", "fees", "history")
        ),
        f"/staff/evidence/{pack.pk}/pdf/",  # an evidence pack
        f"/certification/staff/participants/{person.pk}/",
        f"/certification/staff/applications/{application.pk}/",
        f"/requirements/checklists/{checklist.pk}/",
        f"/api/v1/staff/participants/{person.pk}/",
    ]
    checked = 0
    for client, paths in (
        (cast.client_for("participant"), participant_pages),
        (cast.client_for("staff"), staff_pages),
    ):
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert response["Cache-Control"] == "no-store", path
            checked += 1
    token_only = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")  # no session at all
    assert token_only.status_code == 200 and token_only["Cache-Control"] == "no-store"
    assert checked == len(participant_pages) + len(staff_pages)


# --- License numbers never reach a URL, a log line, the audit log or the history tables ---------------

LICENSE = "TX-LPC-7731942"
NEW_LICENSE = "TX-LPC-8846051"
URL_ATTRIBUTE = re.compile(r'(?:href|src|action|formaction|hx-[a-z]+|data-[a-z-]*url)\s*=\s*"([^"]*)"')


@pytest.fixture
def reversed_urls(monkeypatch: Any) -> list[str]:
    """Every URL the app reverses (views, templates' {% url %}, redirects, the API's links)."""
    from django.urls.resolvers import URLResolver

    seen: list[str] = []
    original = URLResolver._reverse_with_prefix

    def recording(self: Any, *args: Any, **kwargs: Any) -> str:
        url = original(self, *args, **kwargs)
        seen.append(url)
        return url

    monkeypatch.setattr(URLResolver, "_reverse_with_prefix", recording)
    return seen


def _urls_in(response: Any) -> list[str]:
    urls = [response.get("Location", "")]
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        urls += URL_ATTRIBUTE.findall(response.content.decode())
    elif content_type.startswith("application/json"):

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)
            elif isinstance(value, str) and (value.startswith(("/", "http"))):
                urls.append(value)

        walk(response.json())
    return urls


def test_license_numbers_never_reach_a_url_a_log_line_or_the_audit_and_history_tables(
    cast: Any, caplog: Any, reversed_urls: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    from django.apps import apps

    from enrollment.models import Application
    from tests.enrollment.factories import form_data

    caplog.set_level(logging.DEBUG)
    participant, staff = cast.client_for("participant"), cast.client_for("staff")
    seen: list[str] = []
    pages: dict[str, str] = {}

    def visit(name: str, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, (name, response.status_code)
        seen.extend(_urls_in(response))
        pages[name] = response.content.decode(errors="replace")
        return response

    # The participant applies, staff approve, the participant changes the number on the profile.
    visit("apply", participant.post("/certification/apply/", form_data(license_number=LICENSE)), 302)
    application = Application.objects.get(participant=cast.participant)
    visit("application", staff.get(f"/certification/staff/applications/{application.pk}/"))
    with django_capture_on_commit_callbacks(execute=True):
        approve = f"/certification/staff/applications/{application.pk}/approve/"
        visit("approve", staff.post(approve, {"start_date": "2026-02-01"}), 302)
    visit("profile", participant.get("/certification/profile/"))
    visit(
        "profile saved",
        participant.post("/certification/profile/", form_data(license_number=NEW_LICENSE)),
        302,
    )
    visit("my certification", participant.get("/certification/"))
    visit("own API", participant.get(f"/api/v1/participants/{cast.participant.pk}/"))

    # Staff search by license number (page and API), then open the record.
    visit("search form", staff.get("/staff/participants/"))
    found = visit("search", staff.post("/staff/participants/", {"license_number": NEW_LICENSE}))
    assert f"/staff/participants/{cast.participant.pk}/" in found.content.decode()
    visit("search old", staff.post("/staff/participants/", {"license_number": LICENSE}))
    api_search = visit(
        "API search",
        staff.post(
            "/api/v1/staff/participants/search/",
            {"license_number": NEW_LICENSE},
            content_type="application/json",
        ),
    )
    assert api_search.json()["count"] == 1
    record = f"/staff/participants/{cast.participant.pk}/"
    visit("record", staff.get(record))
    for section in ("progress", "activity", "fees", "history"):
        visit(section, staff.get(f"{record}sections/{section}/"))
    visit("staff API record", staff.get(f"/api/v1/staff/participants/{cast.participant.pk}/"))
    visit("enrollment record", staff.get(f"/certification/staff/participants/{cast.participant.pk}/"))
    assert NEW_LICENSE in pages["enrollment record"]  # staff do see it: the flow carried the number
    # Refusals are logged (django.request): a participant trying the staff search, a record not there.
    visit("refused", participant.post("/staff/participants/", {"license_number": NEW_LICENSE}), 403)
    visit("missing", staff.get("/staff/participants/999999/"), 404)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "Forbidden" in logged and "Not Found: /staff/participants/999999/" in logged
    # SQL statements, which would carry the number as a parameter, are never logged, even at DEBUG.
    assert logging.getLogger("django.db.backends").getEffectiveLevel() > logging.DEBUG

    for number in (LICENSE, NEW_LICENSE):
        assert reversed_urls and not [u for u in reversed_urls if number in u]
        assert not [u for u in seen if number in u]
        assert not [r for r in caplog.records if number in r.getMessage() or number in str(r.args)]
        assert number not in caplog.text
        scanned = 0
        for model in apps.get_models():
            if model.__name__ != "AuditEntry" and not model.__name__.startswith("Historical"):
                continue
            rows = [str(row) for row in model.objects.values_list()]
            assert not [r for r in rows if number in r], model.__name__
            scanned += len(rows)
        assert scanned > 10  # the flow's audit entries and history rows were there to scan
