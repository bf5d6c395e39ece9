"""Celery tasks of the maintenance app. They take ids (or a date) and call a service; each is safe to
run twice or on two workers at once (see maintenance.rules.engine and maintenance.reminders)."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task
from django.utils import timezone

from . import reminders, rules


@shared_task(acks_late=True, ignore_result=False)  # its summary is read (tests, flower)
def enforce_rules_daily(as_of: str | None = None) -> dict[str, Any]:
    """The daily job (beat schedule in nmt_cert/celery.py): apply every rule due today."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return rules.apply(day, triggered_by="beat").as_dict()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_reminders(reminder_ids: list[int]) -> int:
    return sum(1 for pk in reminder_ids if reminders.send_reminder(int(pk)))


@shared_task(acks_late=True)
def notify_presentation_reviewed(presentation_id: int) -> None:
    from .services.presentations import presentation_notify_reviewed

    presentation_notify_reviewed(presentation_id)


@shared_task(acks_late=True)
def check_year_ends(check_ids: list[int]) -> int:
    """Requirements check of Maintenance years the daily job claimed; flags the unmet ones."""
    return len(rules.year_end_checks_evaluate([int(pk) for pk in check_ids]))


YEAR_END_BATCH = 100


@shared_task(acks_late=True)
def dispatch_run(run_id: int, ended: list[list[Any]] | None = None) -> dict[str, int]:
    """After a rule run commits: queue the reminder e-mails and year-end requirements checks still to
    do (this run's, and any an earlier run left undone) and the status hooks of the enrollments this
    run ended, in batches, so the run itself publishes one message."""
    from .models import RuleRun, YearEndCheck

    as_of = RuleRun.objects.filter(pk=run_id).values_list("as_of", flat=True).first() or timezone.localdate()
    checks = list(
        YearEndCheck.objects.filter(evaluated_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    for i in range(0, len(checks), YEAR_END_BATCH):
        check_year_ends.delay(checks[i : i + YEAR_END_BATCH])
    ended = ended or []
    for i in range(0, len(ended), YEAR_END_BATCH):
        status_hooks.delay(ended[i : i + YEAR_END_BATCH])
    return {
        "reminders": reminders.queue_reminder_emails(as_of),
        "year_end_checks": len(checks),
        "ended": len(ended),
    }


@shared_task(acks_late=True)
def status_hooks(changes: list[list[Any]]) -> int:
    """enrollment's STATUS_CHANGED hooks for enrollments the daily job moved in bulk ([id, old, new])."""
    from .rules.engine import run_status_hooks

    return run_status_hooks(changes)
