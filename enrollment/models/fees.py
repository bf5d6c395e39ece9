"""The fee ledger: invoices, and the payments and waivers against them.

Balances are derived from the ledger, never stored. An invoice records one fact about them: the day its
balance reached zero (`settled_on`). Lists of open invoices (the staff's unpaid queue, its count, the
overdue search) read that marker from an index instead of summing every payment and waiver there is;
it is written whenever a payment or waiver is saved, from the ledger's own sums."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Max, Q, Sum
from django.utils import timezone

from .program import Enrollment


def _money(value: Any) -> Decimal:
    """An amount as given to a model (a Decimal from the services, or a string or number elsewhere)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


class InvoiceKind(models.TextChoices):
    PHASE_FEE = "phase_fee", "Phase fee"
    CONTINUATION_FEE = "continuation_fee", "Continuation fee"
    MAINTENANCE = "maintenance", "Maintenance fee"
    RECERTIFICATION = "recertification", "Re-Certification fee"
    OTHER = "other", "Other"


class Invoice(models.Model):
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices"
    )
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(max_length=20, choices=InvoiceKind.choices)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    description = models.CharField(max_length=300)
    issued_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    continuation_recorded_at = models.DateTimeField(
        null=True, blank=True, help_text="A continuation fee buys time once: when that time was recorded."
    )
    created_at = models.DateTimeField(default=timezone.now)
    settled_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The day payments and waivers covered the amount: the latest date among them (empty "
        "while a balance is left).",
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [
            # The open invoices in the unpaid queue's order: a handful of index pages, however many
            # invoices have been settled over the years.
            models.Index(
                fields=["issued_on", "id"], condition=Q(settled_on__isnull=True), name="invoice_open_by_issue"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InvoiceKind.values), name="invoice_kind_valid"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="invoice_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ${self.amount} · {self.participant}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.settled_on is None and _money(self.amount) == 0:
            self.settled_on = self.issued_on  # nothing to pay: settled as it is issued
        super().save(*args, **kwargs)

    def refresh_settled(self) -> None:
        """Set or clear `settled_on` from the ledger (called after a payment or waiver is saved; the
        ledger services hold the invoice's row lock then). Settled: the latest payment date or waiver
        day (in the current time zone, the recording staff member's); a day once set is kept."""
        paid = self.payments.aggregate(total=Sum("amount"), last=Max("paid_on"))
        waived = self.waivers.aggregate(total=Sum("amount"), last=Max("at"))
        if _money(self.amount) - (paid["total"] or 0) - (waived["total"] or 0) > 0:
            day = None
        elif self.settled_on is not None:
            day = self.settled_on
        else:
            days = [paid["last"], waived["last"] and timezone.localdate(waived["last"])]
            day = max((d for d in days if d), default=self.issued_on)
        if day != self.settled_on:
            Invoice.objects.filter(pk=self.pk).update(settled_on=day)
            self.settled_on = day

    @property
    def audit_subject_user(self) -> Any:
        return self.participant


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CHECK = "check", "Check"
    CARD = "card", "Card (processed outside this system)"
    CASH = "cash", "Cash"
    OTHER = "other", "Other"


class Payment(models.Model):
    """Append-only: a recorded payment is never edited or deleted (a mistake is answered by a waiver
    or a new invoice, with the reason in the audit log)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    paid_on = models.DateField()
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="payment_method_valid"),
        ]

    def __str__(self) -> str:
        return f"${self.amount} on {self.paid_on} ({self.get_method_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self.invoice.refresh_settled()

    @property
    def audit_subject_user(self) -> Any:
        return self.invoice.participant


class Waiver(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="waivers")
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    reason = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="waiver_amount_positive")]

    def __str__(self) -> str:
        return f"${self.amount} waived"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self.invoice.refresh_settled()

    @property
    def audit_subject_user(self) -> Any:
        return self.invoice.participant
