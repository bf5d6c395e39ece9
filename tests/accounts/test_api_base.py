from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiToken, AuditEntry
from accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def test_a_personal_token_is_stored_hashed_and_authenticates(cast: Any) -> None:
    token, secret = api_token_create(actor=cast.participant, user=cast.participant, name="script")
    assert secret not in (token.key_hash, token.prefix)
    assert token.key_hash == ApiToken.hash_key(secret)
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == "pat@example.org"
    assert response.json()["roles"] == ["participant"]
    assert response["Cache-Control"] == "no-store"


def test_a_revoked_token_stops_working(cast: Any) -> None:
    token, secret = api_token_create(actor=cast.participant, user=cast.participant, name="script")
    client = cast.client_for("participant")
    assert client.post(f"/me/api-tokens/{token.pk}/revoke/").status_code == 302
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert AuditEntry.objects.filter(action="api_token.revoked").count() == 1


def test_the_api_answers_one_error_shape(cast: Any) -> None:
    anonymous = Client().get("/api/v1/me/")
    assert anonymous.status_code == 401
    assert set(anonymous.json()["error"]) == {"code", "message", "fields"}
    bad = cast.client_for("participant").post(
        "/api/v1/tokens/", {"name": ""}, content_type="application/json"
    )
    assert bad.status_code == 400
    body = bad.json()["error"]
    assert body["code"] == "invalid" and "name" in body["fields"]


def test_only_staff_create_integration_tokens(cast: Any) -> None:
    denied = cast.client_for("participant").post(
        "/api/v1/tokens/", {"name": "x", "scope": "metrics"}, content_type="application/json"
    )
    assert denied.status_code == 403
    assert not ApiToken.objects.filter(scope="metrics").exists()
    made = cast.client_for("staff").post(
        "/api/v1/tokens/",
        {"name": "metrics tool", "scope": "metrics", "user_email": "pat@example.org"},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["secret"].startswith("nmt_")


def test_an_integration_token_reaches_nothing_outside_its_scope(cast: Any) -> None:
    _, secret = api_token_create(actor=cast.staff, user=cast.staff, name="tool", scope=ApiToken.Scope.METRICS)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/me/").status_code == 403
    assert client.get("/api/v1/tokens/").status_code == 403
    # and the pages ignore bearer tokens altogether
    assert client.get("/me/audit/")["Location"].startswith("/accounts/login/")


def test_the_schema_and_docs_are_served(db: Any) -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/me/" in schema.json()["paths"]
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
