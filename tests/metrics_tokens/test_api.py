"""The API for the metrics tool (integration token) and for participants: access, recording with
idempotency keys, clear errors, and an integration token that reaches nothing else."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts.models import ApiToken
from accounts.services import api_token_create
from metrics_tokens.models import IdempotencyRecord, MetricReport, TokenLedgerEntry
from tests.support import make_user

from .conftest import open_enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    with time_machine.travel("2026-03-10 12:00Z", tick=False):
        yield


START = date(2026, 1, 15)


@pytest.fixture
def tool(cast: Any) -> Client:
    account = make_user("metrics-tool@example.org", [])
    _, secret = api_token_create(
        actor=cast.staff, user=account, name="metrics tool", scope=ApiToken.Scope.METRICS
    )
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, body: dict[str, Any], key: str | None = "k-1") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        "/api/v1/metrics/reports/", json.dumps(body), content_type="application/json", headers=headers
    )


def body(**fields: Any) -> dict[str, Any]:
    return {
        "clinician_email": "pat@example.org",
        "report_type": "client_initial",
        "report_date": "2026-03-02",
        "client_code": "C-0142",
    } | fields


def test_the_tool_looks_up_access_and_balance(cast: Any, tool: Client) -> None:
    open_enrollment(cast.participant, "maintenance", START)
    open_enrollment(cast.other_participant, "phase1", START)
    pat = tool.get("/api/v1/metrics/access/", {"email": "PAT@example.org"}).json()
    assert pat["has_access"] and not pat["unlimited"] and pat["balance"] == 10 and pat["can_record"]
    assert pat["enrollment"]["phase"] == "maintenance" and pat["enrollment"]["end"] == "2027-01-15"
    quinn = tool.get("/api/v1/metrics/access/", {"email": "quinn@example.org"}).json()
    assert quinn["unlimited"] and quinn["balance"] == 0 and quinn["can_record"]
    terry = tool.get("/api/v1/metrics/access/", {"email": "terry@example.org"}).json()
    assert terry == terry | {"has_access": False, "can_record": False, "enrollment": None}
    missing = tool.get("/api/v1/metrics/access/", {"email": "nobody@example.org"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_recording_spends_a_token_and_a_retry_returns_the_first_answer(cast: Any, tool: Client) -> None:
    open_enrollment(cast.participant, "maintenance", START)
    first = post(tool, body())
    assert first.status_code == 201, first.json()
    assert first.json()["token_spent"] is True and first.json()["balance"] == 9
    assert first.json()["source"] == "api"
    retry = post(tool, body())
    assert retry.status_code == 201 and retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert MetricReport.objects.count() == 1
    assert TokenLedgerEntry.objects.filter(kind="consume").count() == 1
    listing = tool.get("/api/v1/metrics/reports/", {"email": "pat@example.org"}).json()
    assert listing["count"] == 1 and listing["results"][0]["client_code"] == "C-0142"


def test_the_same_key_with_another_body_is_refused(cast: Any, tool: Client) -> None:
    open_enrollment(cast.participant, "maintenance", START)
    assert post(tool, body()).status_code == 201
    reused = post(tool, body(client_code="C-0999"))
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert MetricReport.objects.count() == 1


def test_the_tool_must_send_a_key(cast: Any, tool: Client) -> None:
    open_enrollment(cast.participant, "maintenance", START)
    response = post(tool, body(), key=None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"
    assert not MetricReport.objects.exists()


def test_no_access_and_no_balance_answer_clear_errors(cast: Any, tool: Client) -> None:
    no_access = post(tool, body(), key="a")
    assert no_access.status_code == 409 and no_access.json()["error"]["code"] == "no_access"
    open_enrollment(cast.participant, "maintenance", START)
    for i in range(10):
        assert post(tool, body(client_code=f"C-{i:04d}"), key=f"k{i}").status_code == 201
    empty = post(tool, body(client_code="C-0100"), key="k-last")
    assert empty.status_code == 409 and empty.json()["error"]["code"] == "no_balance"
    assert "no metric tokens left" in empty.json()["error"]["message"]
    assert MetricReport.objects.count() == 10
    # A refused request records nothing, not even its key: once staff grant more, the retry succeeds.
    assert not IdempotencyRecord.objects.filter(key="k-last").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"report_type": "sonnet"}, "report_type"),
        ({"report_date": "2026-03-11"}, "report_date"),
        ({"client_code": "Jane Doe"}, "client_code"),
        ({"client_code": "jane@example.org"}, "client_code"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    cast: Any, tool: Client, fields: dict[str, Any], field: str
) -> None:
    open_enrollment(cast.participant, "maintenance", START)
    response = post(tool, body(**fields))
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not MetricReport.objects.exists()


def test_participants_record_and_read_their_own(cast: Any) -> None:
    open_enrollment(cast.participant, "phase1", START)
    client = cast.client_for("participant")
    made = client.post(
        "/api/v1/me/metrics/reports/",
        {"report_type": "typical", "report_date": "2026-03-01"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["token_spent"] is False
    mine = client.get("/api/v1/me/metrics/reports/").json()
    assert mine["count"] == 1
    balance = client.get("/api/v1/me/metrics/balance/").json()
    assert balance["unlimited"] is True and balance["ledger"] == []
    other = cast.client_for("other_participant").get("/api/v1/me/metrics/reports/").json()
    assert other["count"] == 0


def test_staff_grant_with_a_reason_through_the_api(cast: Any) -> None:
    open_enrollment(cast.participant, "maintenance", START)
    client = cast.client_for("staff")
    url = f"/api/v1/metrics/ledger/{cast.participant.pk}/"
    refused = client.post(url, {"kind": "grant", "amount": 2, "reason": ""}, content_type="application/json")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    made = client.post(
        url, {"kind": "grant", "amount": 2, "reason": "Site pilot"}, content_type="application/json"
    )
    assert made.status_code == 201 and made.json()["balance"] == 12
    assert made.json()["ledger"][0]["reason"] == "Site pilot"


def test_an_integration_token_reaches_nothing_else(cast: Any, tool: Client) -> None:
    for url in (
        "/api/v1/me/",
        "/api/v1/tokens/",
        "/api/v1/me/metrics/balance/",
        "/api/v1/metrics/fidelity/exercises/",
    ):
        assert tool.get(url).status_code == 403, url
    assert tool.get(f"/api/v1/metrics/ledger/{cast.participant.pk}/").status_code == 403
    # The pages do not know bearer tokens at all.
    assert tool.get("/metrics/reports/").status_code == 302


def test_the_schema_documents_the_tool_endpoints_with_examples() -> None:
    schema = Client().get("/api/schema/?format=json")
    assert schema.status_code == 200
    doc = json.loads(schema.content)
    post_op = doc["paths"]["/api/v1/metrics/reports/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post_op["parameters"])
    assert "examples" in post_op["requestBody"]["content"]["application/json"]
    assert set(post_op["responses"]) >= {"201", "400", "409", "422"}
    assert "examples" in post_op["responses"]["409"]["content"]["application/json"]
    assert "/api/v1/metrics/access/" in doc["paths"]
