"""Invoices record the day their balance reached zero (settled_on), for lists of open invoices read from
a partial index. Invoices already settled get the latest date among their payments and waivers (the
day they were issued when there was nothing to pay)."""

from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone


def mark_settled(apps: Any, schema_editor: Any) -> None:
    Invoice = apps.get_model("enrollment", "Invoice")
    Payment = apps.get_model("enrollment", "Payment")
    Waiver = apps.get_model("enrollment", "Waiver")

    def of(model: Any, value: Any, field: str) -> Subquery:
        rows = (
            model.objects.filter(invoice=OuterRef("pk")).order_by().values("invoice").annotate(v=value(field))
        )
        return Subquery(rows.values("v"))

    money = models.DecimalField(max_digits=11, decimal_places=2)
    invoices = Invoice.objects.annotate(
        paid=Coalesce(of(Payment, Sum, "amount"), 0, output_field=money),
        waived=Coalesce(of(Waiver, Sum, "amount"), 0, output_field=money),
        last_paid=of(Payment, Max, "paid_on"),
        last_waived=of(Waiver, Max, "at"),
    )
    days_of: dict[int, Any] = {}  # id: settled day, written once the reading is done
    for invoice in invoices.iterator(chunk_size=1000):
        if invoice.amount - invoice.paid - invoice.waived > 0:
            continue
        days = [invoice.last_paid, invoice.last_waived and timezone.localdate(invoice.last_waived)]
        days_of[invoice.pk] = max((d for d in days if d), default=invoice.issued_on)
    Invoice.objects.bulk_update(
        [Invoice(pk=pk, settled_on=day) for pk, day in days_of.items()], ["settled_on"], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0003_enrollment_continuations_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="settled_on",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="The day payments and waivers covered the amount: the latest date among them "
                "(empty while a balance is left).",
                null=True,
            ),
        ),
        migrations.RunPython(mark_settled, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(("settled_on__isnull", True)),
                fields=["issued_on", "id"],
                name="invoice_open_by_issue",
            ),
        ),
    ]
