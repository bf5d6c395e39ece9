"""Two staff record the same cheque at once: the invoice lock lets one payment through. Without the
lock both pass the balance check, which proves the test can fail. Also: two staff approve the same
application at once and only one Phase I opens. PostgreSQL only."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from accounts.errors import DomainError
from enrollment import selectors, services
from enrollment.models import Enrollment, Invoice, Payment
from enrollment.services import fees
from tests.enrollment.factories import submitted_application
from tests.support import hold_after_reading

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every write and ignores SELECT … FOR UPDATE "
        "(run with DATABASE_URL=postgres://…; CI does)",
    ),
]
RACERS = 6


def _race(fn: Any) -> list[str]:
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def racer() -> None:
        try:
            barrier.wait(timeout=30)
            try:
                fn()
                result = "ok"
            except (ValidationError, DomainError):
                result = "refused"
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def _widen_the_window(monkeypatch: Any) -> None:
    real = fees._balance_locked

    def slow(invoice: Invoice) -> Decimal:
        value = real(invoice)
        time.sleep(0.05)
        return value

    monkeypatch.setattr(fees, "_balance_locked", slow)


def _invoice(cast: Any) -> Invoice:
    return services.invoice_issue(
        actor=cast.staff,
        participant=cast.participant,
        kind="phase_fee",
        amount="4000",
        description="Phase I fee",
    )


def _pay(cast: Any, invoice: Invoice) -> Any:
    return lambda: services.payment_record(
        actor=cast.staff,
        invoice=invoice,
        amount="4000",
        paid_on=date(2026, 1, 5),
        method="check",
        reference="#1",
    )


def test_one_full_payment_wins_the_race(cast: Any, monkeypatch: Any) -> None:
    invoice = _invoice(cast)
    _widen_the_window(monkeypatch)
    outcomes = _race(_pay(cast, invoice))
    assert sorted(outcomes) == ["ok"] + ["refused"] * (RACERS - 1)
    assert Payment.objects.count() == 1
    assert selectors.invoice_balance(invoice) == Decimal("0.00")


def test_without_the_lock_the_race_overpays(cast: Any, monkeypatch: Any) -> None:
    invoice = _invoice(cast)
    hold_after_reading(monkeypatch, fees, "_balance_locked", RACERS)
    monkeypatch.setattr(Invoice.objects, "select_for_update", lambda *a, **k: Invoice.objects.all())
    _race(_pay(cast, invoice))
    assert Payment.objects.count() > 1  # the bug the lock prevents


def test_two_approvals_open_one_phase(cast: Any) -> None:
    application = submitted_application(cast.participant)
    outcomes = _race(lambda: services.application_approve(actor=cast.staff, application=application))
    assert outcomes.count("ok") == 1
    assert Enrollment.objects.filter(participant=cast.participant).count() == 1
    assert Invoice.objects.filter(participant=cast.participant).count() == 1
