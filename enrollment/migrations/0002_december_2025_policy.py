"""Seeds the "December 2025" program policy from DOMAIN.md. Staff edit policies in the admin."""

from datetime import date
from decimal import Decimal

from django.db import migrations

PHASES = [
    # phase, term months, free extension, continuation fee, months per fee, fee, unlimited, per year, extensions
    ("phase1", 12, 6, Decimal("250"), 6, Decimal("4000"), True, 0, True),
    ("phase2", 24, 6, Decimal("250"), 6, Decimal("4500"), True, 0, True),
    ("maintenance", 12, 0, Decimal("0"), 0, Decimal("250"), False, 10, False),
    ("recertification", 12, 0, Decimal("0"), 0, Decimal("1000"), False, 10, False),
]


def seed(apps, schema_editor):
    Policy = apps.get_model("enrollment", "ProgramPolicy")
    Rule = apps.get_model("enrollment", "PhaseRule")
    policy, created = Policy.objects.get_or_create(
        name="December 2025",
        defaults={
            "effective_from": date(2025, 12, 1),
            "is_active": True,
            "lapse_threshold_months": 12,
            "maintenance_start_window_months": 12,
            "reminder_days": [60, 30, 7],
            "behind_schedule_margin_percent": 10,
            "tokens_expire_at_year_end": True,
            "maintenance_reports_after_phase1": 5,
            "maintenance_reports_after_phase2": 10,
            "site_certification_threshold": 7,
            "notes": (
                "From the NMN's December 2025 individual-certification outline. Phase I term: 12 months "
                "(the outline also mentions a 15-month period; the free extension runs from the end of the "
                "12-month term). Phase II/TTT: 24 months (the outline also says 15). One continuation fee "
                "buys 6 months (the outline is silent; our default)."
            ),
        },
    )
    for phase, term, ext, cfee, cmonths, fee, unlimited, per_year, extensions in PHASES:
        Rule.objects.get_or_create(
            policy=policy,
            phase=phase,
            defaults={
                "term_months": term,
                "free_extension_months": ext,
                "continuation_fee": cfee,
                "continuation_months": cmonths,
                "fee": fee,
                "tokens_unlimited": unlimited,
                "tokens_per_year": per_year,
                "extensions_allowed": extensions,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
