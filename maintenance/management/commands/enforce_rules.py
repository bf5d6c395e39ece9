"""`manage.py enforce_rules [--as-of YYYY-MM-DD] [--dry-run]`: the daily job by hand. Prints each change
it makes (or, with --dry-run, would make) and a summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from maintenance import rules


class Command(BaseCommand):
    help = "Apply the deadline, extension, renewal and lapse rules as of a date (default: today)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--as-of must be a date, YYYY-MM-DD.") from exc
        if not 1900 <= as_of.year <= 2100:  # reminder windows are counted on from it: 9999 overflows
            raise CommandError("--as-of must fall between 1900 and 2100.")
        summary = rules.apply(as_of, dry_run=options["dry_run"], triggered_by="command")
        verb = "would change" if summary.dry_run else "changed"
        for decision in summary.decisions:
            self.stdout.write(f"{verb}: {decision.line()}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Dry run' if summary.dry_run else 'Applied'} as of {as_of.isoformat()}: "
                f"{len(summary.decisions)} change(s)"
                + "".join(f", {n} {rule}" for rule, n in sorted(summary.by_rule.items()))
                + f"; {summary.reminders} reminder(s) {'would be queued' if summary.dry_run else 'queued'}"
                + (
                    f"; {summary.year_end_checks} Maintenance year(s) queued for a requirements check"
                    if summary.year_end_checks
                    else ""
                )
                + (
                    f"; {summary.tokens_expired} token(s) expired"
                    if summary.tokens_expired is not None
                    else ""
                )
                + "."
            )
        )
