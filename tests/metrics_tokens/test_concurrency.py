"""20 simultaneous API requests race for a clinician's last token: exactly one wins. The same race
without the account lock lets several win, which proves the test can fail. PostgreSQL only."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create
from metrics_tokens import selectors
from metrics_tokens.models import MetricReport, TokenLedgerEntry
from metrics_tokens.services import tokens, tokens_adjust
from tests.support import hold_after_reading, make_user

from .conftest import open_enrollment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("program_policy"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every write and ignores SELECT … FOR UPDATE "
        "(run with DATABASE_URL=postgres://…; CI does)",
    ),
]

RACERS = 20


def _one_token_left(cast: Any) -> str:
    today = timezone.localdate()
    open_enrollment(cast.participant, "maintenance", today - timedelta(days=30))
    tokens_adjust(actor=cast.staff, participant=cast.participant, amount=-9, reason="Leave one for the race")
    account = make_user("metrics-tool@example.org", [])
    _, secret = api_token_create(actor=cast.staff, user=account, name="tool", scope=ApiToken.Scope.METRICS)
    return secret


def _widen_the_window(monkeypatch: Any) -> None:
    """Sleep between reading the balance and appending the consumption, as a slow request would."""
    real = tokens.balance_of

    def slow_balance_of(account_id: int) -> int:
        value = real(account_id)
        time.sleep(0.05)
        return value

    monkeypatch.setattr(tokens, "balance_of", slow_balance_of)


def _race(secret: str, same_request: bool = False) -> list[Any]:
    """RACERS simultaneous POSTs; each its own report and key, or (same_request) one request sent
    RACERS times at once, as an impatient client retrying would."""
    barrier = threading.Barrier(RACERS)
    statuses: list[Any] = []
    lock = threading.Lock()
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()  # in every time zone

    def racer(i: int) -> None:
        n = 0 if same_request else i
        client = Client(headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": f"race-{n}"})
        body = {
            "clinician_email": "pat@example.org",
            "report_type": "client_follow_up",
            "report_date": yesterday,
            "client_code": f"C-{n:04d}",
        }
        try:
            barrier.wait(timeout=30)
            response = client.post(
                "/api/v1/metrics/reports/", json.dumps(body), content_type="application/json"
            )
            with lock:
                statuses.append(
                    (response.status_code, response.json()) if same_request else response.status_code
                )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_twenty_requests_race_for_the_last_token_and_exactly_one_wins(cast: Any, monkeypatch: Any) -> None:
    secret = _one_token_left(cast)
    _widen_the_window(monkeypatch)
    statuses = _race(secret)
    assert len(statuses) == RACERS
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == RACERS - 1, statuses
    assert MetricReport.objects.count() == 1
    assert TokenLedgerEntry.objects.filter(kind="consume").count() == 1
    assert selectors.balance_for(cast.participant) == 0


def test_without_the_lock_the_same_race_spends_the_token_several_times(cast: Any, monkeypatch: Any) -> None:
    secret = _one_token_left(cast)
    hold_after_reading(monkeypatch, tokens, "balance_of", RACERS)
    monkeypatch.setattr(tokens, "_lock_account", lambda account_id: None)
    statuses = _race(secret)
    winners = statuses.count(201)
    assert winners > 1, f"expected the unlocked race to overspend; statuses {statuses}"
    assert selectors.balance_for(cast.participant) == 1 - winners < 0


def test_simultaneous_retries_with_one_key_spend_once_and_all_get_the_first_answer(
    cast: Any, monkeypatch: Any
) -> None:
    secret = _one_token_left(cast)
    tokens_adjust(actor=cast.staff, participant=cast.participant, amount=5, reason="Room for several")
    _widen_the_window(monkeypatch)
    answers = _race(secret, same_request=True)
    assert [status for status, _ in answers] == [201] * RACERS, answers
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    assert MetricReport.objects.count() == 1
    assert selectors.balance_for(cast.participant) == 5
