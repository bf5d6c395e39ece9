"""PostgreSQL going away mid-request: a clean 503, nothing half-saved, service again once it is back."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from accounts.models import ApiToken, AuditEntry, User
from accounts.services import api_token_create
from tests.support import PASSWORD

from .conftest import DrilledApp, needs_postgres_and_redis

pytestmark = [*needs_postgres_and_redis(), pytest.mark.django_db(transaction=True)]

AUDIT_INSERT = b'INSERT INTO "accounts_auditentry"'


def assert_clean_503_page(response: Any) -> None:
    assert response.status_code == 503, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/html")
    assert "briefly unavailable" in response.text and "half-saved" in response.text
    assert "Traceback" not in response.text and "Internal Server Error" not in response.text
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def assert_clean_503_api(response: Any) -> None:
    assert response.status_code == 503, response.text[:500]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "service_unavailable" and body["error"]["fields"] == {}
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"


def preferences(app: DrilledApp, http: Any, first_name: str, token: str | None = None) -> Any:
    token = token or app.csrf_token(http, "/me/preferences/")
    names = {"first_name": first_name, "last_name": "Participant", "time_zone": "America/Chicago"}
    return app.post_form(http, "/me/preferences/", token, **names)


def test_a_page_write_cut_off_halfway_is_wholly_absent_and_the_app_recovers(
    app: DrilledApp, cast: Any
) -> None:
    user = cast.participant
    http = app.session_for(user)
    assert preferences(app, http, "Before").status_code == 302  # a record written before the outage
    history_before = user.history.count()

    # The update of the user and its history row have gone out; the audit entry is on its way.
    token = app.csrf_token(http, "/me/preferences/")
    app.database.cut_when_sent(AUDIT_INSERT)
    response = preferences(app, http, "Halfway", token)
    assert app.database.cuts == 1
    assert_clean_503_page(response)
    user.refresh_from_db()
    assert user.first_name == "Before"  # the write in flight is wholly absent
    assert user.history.count() == history_before
    assert AuditEntry.objects.filter(action="user.preferences_changed", target_id=str(user.pk)).count() == 1

    # While the database stays away: pages, the API and the health check all answer 503.
    assert_clean_503_page(http.get(app.url + "/me/preferences/", timeout=30))
    assert_clean_503_page(http.get(app.url + "/", timeout=30))
    assert_clean_503_api(http.get(app.url + "/api/v1/me/", timeout=30))
    health = requests.get(app.url + "/healthz", timeout=30)  # as a load balancer asks: no cookie
    assert health.status_code == 503 and health.json()["database"].startswith("error")

    app.database.restore()
    assert http.get(app.url + "/me/preferences/", timeout=30).status_code == 200
    assert preferences(app, http, "Halfway").status_code == 302  # the retry goes through whole
    user.refresh_from_db()
    assert user.first_name == "Halfway" and user.history.count() == history_before + 1
    assert AuditEntry.objects.filter(action="user.preferences_changed", target_id=str(user.pk)).count() == 2
    assert "503 for POST /me/preferences/: OperationalError" in app.log()


def test_an_api_write_cut_off_halfway_answers_the_api_error_shape(app: DrilledApp, cast: Any) -> None:
    _, secret = api_token_create(actor=cast.participant, user=cast.participant, name="laptop")
    headers = {"Authorization": f"Bearer {secret}"}
    url = app.url + "/api/v1/tokens/"
    assert app.session_for(cast.participant).get(url, headers=headers, timeout=30).status_code == 200

    app.database.cut_when_sent(AUDIT_INSERT)
    response = app.session_for(cast.participant).post(
        url, json={"name": "phone"}, headers=headers, timeout=30
    )
    assert_clean_503_api(response)
    assert not ApiToken.objects.filter(name="phone").exists()  # the token row went back with the audit
    assert ApiToken.objects.filter(name="laptop", revoked_at__isnull=True).count() == 1

    app.database.restore()
    response = app.session_for(cast.participant).post(
        url, json={"name": "phone"}, headers=headers, timeout=30
    )
    assert response.status_code == 201, response.text
    phone = ApiToken.objects.get(name="phone")
    assert AuditEntry.objects.filter(action="api_token.created", target_id=str(phone.pk)).count() == 1
    assert "503 for POST /api/v1/tokens/" in app.log()


def test_a_database_gone_before_the_request_starts_answers_503_to_anyone(app: DrilledApp, db: Any) -> None:
    User.objects.create_user(email="drill@example.org", password=PASSWORD)
    anonymous = requests.Session()
    token = app.csrf_token(anonymous, "/accounts/login/")
    credentials = {"login": "drill@example.org", "password": PASSWORD}
    app.database.cut()
    assert_clean_503_page(app.post_form(anonymous, "/accounts/login/", token, **credentials))
    assert_clean_503_api(anonymous.get(app.url + "/api/v1/verify/abc/", timeout=30))
    app.database.restore()
    assert app.post_form(anonymous, "/accounts/login/", token, **credentials).status_code == 302
