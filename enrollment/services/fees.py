"""The fee ledger: invoices, payments (append-only) and waivers. No card processing here: a payment
provider would call `payment_record` from its webhook (see README)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import audit_record

from ..models import Enrollment, Invoice, InvoiceKind, Payment, PaymentMethod, Waiver

CENT = Decimal("0.01")


def parse_amount(value: Any, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A money amount from a form, the API or a CSV: a number with at most two decimals, not negative."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").lstrip("$"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "Enter the amount as a number, for example 250 or 250.00."}) from None
    if not amount.is_finite():
        raise ValidationError({field: "Enter the amount as a number, for example 250 or 250.00."})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: "The amount must be more than zero."})
    # Before quantizing: 1E+30 to the cent has more digits than the decimal context holds.
    if amount >= Decimal("10000000"):
        raise ValidationError({field: "That amount is too large."})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: "Amounts have at most two decimals (cents)."})
    return amount.quantize(CENT)


def _balance_locked(invoice: Invoice) -> Decimal:
    from ..selectors import invoice_balance

    return invoice_balance(invoice)


@transaction.atomic
def invoice_issue(
    *,
    actor: Any,
    participant: Any,
    kind: str,
    amount: Any,
    description: str,
    enrollment: Enrollment | None = None,
    issued_on: date | None = None,
    due_on: date | None = None,
) -> Invoice:
    if kind not in InvoiceKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(InvoiceKind.values)}."})
    value = parse_amount(amount, allow_zero=True)
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Say what the invoice is for."})
    issued_on = issued_on or timezone.localdate()
    if due_on is not None and due_on < issued_on:
        raise ValidationError({"due_on": "The due date cannot be before the date issued."})
    if enrollment is not None and enrollment.participant_id != participant.pk:
        raise ValidationError({"enrollment": "That enrollment belongs to someone else."})
    invoice = Invoice.objects.create(
        participant=participant,
        enrollment=enrollment,
        kind=kind,
        amount=value,
        description=description[:300],
        issued_on=issued_on,
        due_on=due_on,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="invoice.issued",
        target=invoice,
        changes={"kind": kind, "amount": str(value), "issued_on": issued_on.isoformat()},
    )
    return invoice


@transaction.atomic
def payment_record(
    *, actor: Any, invoice: Invoice, amount: Any, paid_on: date, method: str, reference: str = ""
) -> Payment:
    value = parse_amount(amount)
    if method not in PaymentMethod.values:
        raise ValidationError({"method": f"Choose one of: {', '.join(PaymentMethod.values)}."})
    if not isinstance(paid_on, date):
        raise ValidationError({"paid_on": "Enter the date of the payment (YYYY-MM-DD)."})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": "A payment cannot be dated in the future."})
    # Lock the invoice so two staff recording the same cheque at once cannot both pass the balance check.
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    balance = _balance_locked(locked)
    if value > balance:
        raise ValidationError({"amount": f"That is more than the balance due (${balance})."})
    payment = Payment.objects.create(
        invoice=locked,
        amount=value,
        paid_on=paid_on,
        method=method,
        reference=(reference or "").strip()[:200],
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="payment.recorded",
        target=locked,
        changes={"amount": str(value), "paid_on": paid_on.isoformat(), "method": method},
    )
    return payment


@transaction.atomic
def invoice_waive(*, actor: Any, invoice: Invoice, amount: Any, reason: str) -> Waiver:
    value = parse_amount(amount)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for the waiver."})
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    balance = _balance_locked(locked)
    if value > balance:
        raise ValidationError({"amount": f"That is more than the balance due (${balance})."})
    waiver = Waiver.objects.create(
        invoice=locked,
        amount=value,
        reason=reason,
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor, action="invoice.waived", target=locked, reason=reason, changes={"amount": str(value)}
    )
    return waiver
