"""Invoices record when their balance reached zero (settled_at), for lists of open invoices read from a
partial index. Invoices already settled get the time of the last payment or waiver that settled them
(their issue time when there was nothing to pay)."""

from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


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
        last_paid=of(Payment, Max, "recorded_at"),
        last_waived=of(Waiver, Max, "at"),
    )
    for invoice in invoices.iterator(chunk_size=1000):
        if invoice.amount - invoice.paid - invoice.waived > 0:
            continue
        times = [t for t in (invoice.last_paid, invoice.last_waived) if t is not None]
        Invoice.objects.filter(pk=invoice.pk).update(settled_at=max(times) if times else invoice.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0003_enrollment_continuations_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="settled_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When payments and waivers first covered the amount (empty while a balance is left).",
                null=True,
            ),
        ),
        migrations.RunPython(mark_settled, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(("settled_at__isnull", True)),
                fields=["issued_on", "id"],
                name="invoice_open_by_issue",
            ),
        ),
    ]
