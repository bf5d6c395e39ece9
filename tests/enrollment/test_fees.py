"""The fee ledger: invoices, append-only payments, waivers; balances derived in one query."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrollment import selectors, services
from enrollment.models import Invoice, Payment, Waiver

pytestmark = pytest.mark.django_db


def _invoice(cast: Any, amount: str = "4000") -> Invoice:
    return services.invoice_issue(
        actor=cast.staff,
        participant=cast.participant,
        kind="phase_fee",
        amount=amount,
        description="Phase I fee",
        issued_on=date(2026, 1, 1),
    )


def test_payments_and_waivers_reduce_the_derived_balance(cast: Any) -> None:
    invoice = _invoice(cast)
    services.payment_record(
        actor=cast.staff,
        invoice=invoice,
        amount="1500.50",
        paid_on=date(2026, 1, 10),
        method="check",
        reference="#12",
    )
    services.invoice_waive(actor=cast.staff, invoice=invoice, amount=Decimal("500"), reason="scholarship")
    assert selectors.invoice_balance(invoice) == Decimal("1999.50")
    assert selectors.participant_balance(cast.participant) == Decimal("1999.50")
    annotated = selectors.invoices_with_balance(Invoice.objects.all()).get()
    assert (annotated.paid, annotated.waived, annotated.balance) == (
        Decimal("1500.50"),
        Decimal("500.00"),
        Decimal("1999.50"),
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "more than zero"),
        ("abc", "as a number"),
        ("0", "more than zero"),
        ("10.555", "two decimals"),
        ("NaN", "as a number"),
        ("4000.01", "more than the balance"),
    ],
)
def test_bad_payments_are_refused_and_save_nothing(cast: Any, amount: str, message: str) -> None:
    invoice = _invoice(cast)
    with pytest.raises(ValidationError) as exc:
        services.payment_record(
            actor=cast.staff, invoice=invoice, amount=amount, paid_on=date(2026, 1, 2), method="check"
        )
    assert message in " ".join(exc.value.messages)
    assert not Payment.objects.exists()


def test_a_waiver_needs_a_reason_and_a_payment_cannot_be_dated_in_the_future(cast: Any) -> None:
    invoice = _invoice(cast)
    with pytest.raises(ValidationError):
        services.invoice_waive(actor=cast.staff, invoice=invoice, amount="10", reason=" ")
    with pytest.raises(ValidationError):
        services.payment_record(
            actor=cast.staff, invoice=invoice, amount="10", paid_on=date(2999, 1, 1), method="check"
        )
    assert not Waiver.objects.exists() and not Payment.objects.exists()


def test_an_invoice_due_before_it_is_issued_is_refused(cast: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.invoice_issue(
            actor=cast.staff,
            participant=cast.participant,
            kind="other",
            amount="5",
            description="x",
            issued_on=date(2026, 2, 1),
            due_on=date(2026, 1, 1),
        )
    assert "due_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.invoice_issue(
            actor=cast.staff, participant=cast.participant, kind="bogus", amount="5", description="x"
        )
    assert not Invoice.objects.exists()


def test_the_payment_page_explains_a_bad_amount(cast: Any) -> None:
    invoice = _invoice(cast)
    response = cast.client_for("staff").post(
        reverse("enrollment:staff_payment_record", args=[invoice.pk]),
        {"amount": "-3", "paid_on": "2026-01-05", "method": "check"},
        follow=True,
    )
    assert "more than zero" in response.content.decode()
    assert not Payment.objects.exists()
    response = cast.client_for("staff").post(
        reverse("api:enrollment-invoice-payments", args=[invoice.pk]),
        {"amount": "ten", "paid_on": "2026-01-05", "method": "check"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "amount" in response.json()["error"]["fields"]


def test_a_participant_never_sees_anothers_fees(cast: Any) -> None:
    invoice = _invoice(cast)
    other = cast.client_for("other_participant")
    assert other.get(reverse("api:enrollment-invoice-detail", args=[invoice.pk])).status_code == 404
    assert other.get(reverse("api:enrollment-invoice-list")).json()["results"] == []
    assert "4000" not in other.get(reverse("enrollment:my_certification")).content.decode()


def _queries(fn: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_invoice_list_costs_the_same_at_1_and_at_50_invoices(cast: Any) -> None:
    invoice = _invoice(cast)
    services.payment_record(
        actor=cast.staff, invoice=invoice, amount="1", paid_on=date(2026, 1, 2), method="check"
    )
    client = cast.client_for("staff")
    url = reverse("api:enrollment-invoice-list")
    client.get(url)
    one = _queries(lambda: client.get(url))
    for _ in range(49):
        i = _invoice(cast, "10")
        services.payment_record(
            actor=cast.staff, invoice=i, amount="1", paid_on=date(2026, 1, 2), method="check"
        )
    fifty = _queries(lambda: client.get(url))
    assert one == fifty
    assert len(client.get(url).json()["results"]) == 50


def _open(invoice: Invoice) -> bool:
    return Invoice.objects.filter(pk=invoice.pk, settled_on__isnull=True).exists()


def _settled_on(invoice: Invoice) -> date | None:
    return Invoice.objects.get(pk=invoice.pk).settled_on


def test_an_invoice_is_marked_settled_when_its_balance_reaches_zero_and_not_before(cast: Any) -> None:
    invoice = _invoice(cast, "300")
    assert _open(invoice)
    services.payment_record(
        actor=cast.staff, invoice=invoice, amount="200", paid_on=date(2026, 1, 20), method="check"
    )
    assert _open(invoice)
    # The last entry is a back-dated cheque: settled on the latest date among the entries.
    services.payment_record(
        actor=cast.staff, invoice=invoice, amount="100", paid_on=date(2026, 1, 10), method="check"
    )
    assert _settled_on(invoice) == date(2026, 1, 20) and selectors.invoice_balance(invoice) == 0
    invoice.refresh_from_db()
    invoice.refresh_settled()  # recounting keeps the day
    assert _settled_on(invoice) == date(2026, 1, 20)
    # A refused overpayment changes nothing.
    with pytest.raises(ValidationError):
        services.payment_record(
            actor=cast.staff, invoice=invoice, amount="1", paid_on=date(2026, 1, 21), method="check"
        )
    assert _settled_on(invoice) == date(2026, 1, 20)


def test_a_waiver_settles_on_the_day_it_is_recorded(cast: Any) -> None:
    invoice = _invoice(cast, "300")
    services.payment_record(
        actor=cast.staff, invoice=invoice, amount="200", paid_on=date(2026, 1, 10), method="check"
    )
    with time_machine.travel(datetime(2026, 2, 3, 15, 0, tzinfo=UTC), tick=False):
        services.invoice_waive(actor=cast.staff, invoice=invoice, amount="100", reason="hardship")
    assert _settled_on(invoice) == date(2026, 2, 3)


def test_participants_see_the_day_an_invoice_was_settled(cast: Any) -> None:
    invoice = _invoice(cast, "80")
    page = cast.client_for("participant").get(reverse("enrollment:my_certification")).content.decode()
    assert "$80.00" in page and ">settled<" not in page
    services.payment_record(
        actor=cast.staff, invoice=invoice, amount="80", paid_on=date(2026, 1, 9), method="card"
    )
    page = cast.client_for("participant").get(reverse("enrollment:my_certification")).content.decode()
    assert ">settled<" in page and "2026-01-09</div>" in page
    api = cast.client_for("participant").get(reverse("api:enrollment-invoice-detail", args=[invoice.pk]))
    assert api.json()["settled_on"] == "2026-01-09" and api.json()["balance"] == "0.00"


def test_an_invoice_with_nothing_to_pay_is_settled_as_it_is_issued(cast: Any) -> None:
    assert not _open(_invoice(cast, "0"))


def test_a_payment_saved_outside_the_services_marks_its_invoice_too(cast: Any) -> None:
    """The marker follows the ledger whoever writes it (an import, a shell): it is kept by the models."""
    invoice = _invoice(cast, "50")
    Payment.objects.create(invoice=invoice, amount=Decimal("50"), paid_on=date(2026, 1, 2), method="cash")
    assert not _open(invoice)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amount=st.integers(min_value=0, max_value=500),
    steps=st.lists(st.tuples(st.booleans(), st.integers(min_value=1, max_value=300)), max_size=6),
)
def test_the_settled_marker_always_agrees_with_the_derived_balance(
    cast: Any, amount: int, steps: list[tuple[bool, int]]
) -> None:
    invoice = _invoice(cast, str(amount))
    for is_payment, value in steps:
        try:
            if is_payment:
                services.payment_record(
                    actor=cast.staff, invoice=invoice, amount=value, paid_on=date(2026, 1, 5), method="check"
                )
            else:
                services.invoice_waive(actor=cast.staff, invoice=invoice, amount=value, reason="r")
        except ValidationError:
            pass  # more than the balance: refused, nothing written
        assert _open(invoice) == (selectors.invoice_balance(invoice) > 0)


def test_the_migration_marks_invoices_settled_before_it(cast: Any) -> None:
    """Invoices paid before the marker existed get the latest date among their entries."""
    from importlib import import_module

    from django.apps import apps

    paid, waived, free, owing = (_invoice(cast, a) for a in ("100", "100", "0", "100"))
    services.payment_record(
        actor=cast.staff, invoice=paid, amount="100", paid_on=date(2026, 1, 3), method="check"
    )
    services.payment_record(
        actor=cast.staff, invoice=waived, amount="40", paid_on=date(2026, 1, 4), method="check"
    )
    with time_machine.travel(datetime(2026, 1, 6, 12, 0, tzinfo=UTC), tick=False):
        services.invoice_waive(actor=cast.staff, invoice=waived, amount="60", reason="r")
    services.invoice_waive(actor=cast.staff, invoice=owing, amount="60", reason="r")
    Invoice.objects.update(settled_on=None)
    import_module("enrollment.migrations.0004_invoice_settled_on").mark_settled(apps, None)
    marked = dict(Invoice.objects.values_list("pk", "settled_on"))
    assert marked == {
        paid.pk: date(2026, 1, 3),
        waived.pk: date(2026, 1, 6),
        free.pk: free.issued_on,
        owing.pk: None,
    }


def test_amounts_given_as_text_are_marked_the_same(cast: Any) -> None:
    free = Invoice.objects.create(
        participant=cast.participant, kind="other", amount="0.00", description="x", issued_on=date(2026, 1, 1)
    )
    owed = Invoice.objects.create(
        participant=cast.participant, kind="other", amount="5", description="y", issued_on=date(2026, 1, 1)
    )
    assert free.settled_on == date(2026, 1, 1) and _open(owed)
    Payment.objects.create(invoice=owed, amount="5", paid_on=date(2026, 1, 2), method="cash")
    assert _settled_on(owed) == date(2026, 1, 2)
