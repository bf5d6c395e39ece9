"""Reminders before deadlines, each sent exactly once however often the job runs.

A reminder is due when its deadline falls inside its window: for the policy's reminder days, e.g.
[60, 30, 7], the 60-day reminder is due while the deadline is 31–60 days away, the 30-day one while it
is 8–30 days away, the 7-day one in the last 7 days. A run that missed a window (the job was down)
sends the next one, not a burst of stale ones. Windows are plain date ranges on the deadline column,
one SELECT per (kind, window, policy version), all of them inserted by one statement.

Exactly once: the run inserts SentReminder rows (unique per enrollment, kind, deadline, days before)
with its claim id and ON CONFLICT DO NOTHING, so a reminder another run inserted first is neither
inserted nor counted again; after commit, tasks.dispatch_run queues the e-mail of every unsent one.
The sending task claims each row again (sent_at IS NULL → now) before sending.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
)
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Enrollment, EnrollmentStatus, Phase

from .models import ReminderKind, SentReminder
from .rules.bulk import insert_from_select

log = logging.getLogger(__name__)
S = EnrollmentStatus
SEND_BATCH = 200

# kind -> (which enrollments, which column holds the deadline)
REMINDER_SOURCES: dict[str, tuple[Q, str]] = {
    ReminderKind.TERM_END: (Q(status=S.ACTIVE) & ~Q(phase=Phase.MAINTENANCE), "term_end"),
    ReminderKind.FREE_EXTENSION_END: (Q(status=S.FREE_EXTENSION), "extension_end"),
    ReminderKind.MAINTENANCE_RENEWAL: (Q(status=S.ACTIVE, phase=Phase.MAINTENANCE), "term_end"),
}


def windows(reminder_days: list[int]) -> list[tuple[int, int]]:
    """[(days_before, next_smaller)], e.g. [60, 30, 7] -> [(60, 30), (30, 7), (7, 0)]."""
    days = sorted({int(x) for x in reminder_days or [] if int(x) > 0}, reverse=True)
    return [(day, days[i + 1] if i + 1 < len(days) else 0) for i, day in enumerate(days)]


def _reminder_querysets(as_of: date, policy_list: list[Any], since: date | None = None) -> Any:
    """(kind, days_before, queryset selecting participant, enrollment, deadline) of due reminders.

    `since` is the as_of of the last committed run: it already claimed every deadline up to
    since + days_before, so only later deadlines are looked at (a day's worth on a normal day; the
    whole window after an outage). The unique constraint catches whatever overlaps."""
    for policy in policy_list:
        for days_before, next_smaller in windows(policy.reminder_days):
            low, high = as_of + timedelta(days=next_smaller), as_of + timedelta(days=days_before)
            if since is not None:
                low = max(low, since + timedelta(days=days_before))
            if low >= high:
                continue
            for kind, (where, column) in REMINDER_SOURCES.items():
                yield (
                    kind,
                    days_before,
                    Enrollment.objects.filter(
                        where, policy_id=policy.pk, **{f"{column}__gt": low, f"{column}__lte": high}
                    )
                    .order_by()
                    .values_list("participant_id", "pk", column),
                )
            fidelity = _fidelity_queryset(policy, days_before, low, high)
            if fidelity is not None:
                yield ReminderKind.FIDELITY_DEADLINE, days_before, fidelity


def _fidelity_queryset(policy: Any, days_before: int, low: date, high: date) -> Any:
    """Clinicians assigned to a Fidelity Exercise who have not submitted, before its deadline (the
    metrics_tokens app's FidelityAssignment; None while that model does not exist). The exercise's
    deadline is its last day; our deadlines are the first day after, like every other end date."""
    try:
        assignment_model = apps.get_model("metrics_tokens", "FidelityAssignment")
    except LookupError:
        return None
    first_day_after = ExpressionWrapper(F("exercise__deadline") + timedelta(days=1), output_field=DateField())
    return (
        assignment_model.objects.filter(
            submitted_at__isnull=True,
            enrollment__policy_id=policy.pk,
            exercise__deadline__gte=low,  # deadline + 1 > low
            exercise__deadline__lt=high,  # deadline + 1 <= high
        )
        .annotate(_deadline=first_day_after)
        .order_by()
        .values_list("participant_id", "enrollment_id", "_deadline")
    )


def claim_due_reminders(as_of: date, policy_list: list[Any], *, claim: str, since: date | None = None) -> int:
    """Insert the due reminders this run is first to claim: one INSERT … SELECT of every kind, window
    and policy version (UNION ALL), ON CONFLICT DO NOTHING. Returns how many it inserted. The caller
    queues their e-mail after commit (tasks.dispatch_run)."""
    now = timezone.now()
    parts = [
        queryset.annotate(
            _kind=Value(str(kind), CharField()),
            _days=Value(days_before, IntegerField()),
            _claim=Value(claim, CharField()),
            _at=Value(now, DateTimeField()),
        ).values_list(*queryset._fields, "_kind", "_days", "_claim", "_at")
        for kind, days_before, queryset in _reminder_querysets(as_of, policy_list, since)
    ]
    if not parts:
        return 0
    return insert_from_select(
        SentReminder,
        ["participant", "enrollment", "deadline", "kind", "days_before", "claim", "created_at"],
        parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0],
        literals={"subject": "''", "body_text": "''"},
    )


def unsent_reminders(as_of: date) -> Any:
    """Reminders not sent yet whose deadline is still ahead on `as_of`: the ones a run just claimed,
    and any an earlier run could not send (the broker was away when it finished, or the mail server
    refused every retry). Past their deadline a reminder is no use, so it stays unsent (and listed)."""
    return SentReminder.objects.filter(sent_at__isnull=True, deadline__gt=as_of)


def queue_reminder_emails(as_of: date) -> int:
    """Queue the e-mail of every unsent reminder still ahead of its deadline, in batches (run by
    tasks.dispatch_run). Sending claims each reminder, so one queued twice is still sent once."""
    from .tasks import send_reminders

    ids = list(unsent_reminders(as_of).order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(ids), SEND_BATCH):
        send_reminders.delay(ids[i : i + SEND_BATCH])
    return len(ids)


HEADLINES = {
    ReminderKind.TERM_END: "Your {phase} term ends soon",
    ReminderKind.FREE_EXTENSION_END: "Your free extension of {phase} ends soon",
    ReminderKind.MAINTENANCE_RENEWAL: "Your Maintenance year ends soon: time to renew",
    ReminderKind.FIDELITY_DEADLINE: "The Fidelity Exercise report is due soon",
}


def render_reminder(reminder: SentReminder) -> tuple[str, str, str]:
    enrollment = reminder.enrollment
    headline = HEADLINES[ReminderKind(reminder.kind)].format(phase=enrollment.get_phase_display())
    context = {
        "reminder": reminder,
        "enrollment": enrollment,
        "headline": headline,
        "last_day": reminder.deadline - timedelta(days=1),
        "days_before": reminder.days_before,
        "url": settings.SITE_URL + reverse("maintenance:overview"),
        "participant": reminder.participant,
    }
    subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{headline}"
    text = render_to_string("maintenance/email/reminder.txt", context)
    html = render_to_string("maintenance/email/reminder.html", context)
    return subject, text, html


def send_reminder(reminder_id: int) -> bool:
    """Send one reminder if nobody has; safe to run twice or on two workers at once."""
    now = timezone.now()
    with transaction.atomic():
        if not SentReminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(sent_at=now):
            return False
        reminder = SentReminder.objects.select_related("participant", "enrollment").get(pk=reminder_id)
        subject, text, html = render_reminder(reminder)
        reminder.subject, reminder.body_text = subject, text
        reminder.save(update_fields=["subject", "body_text"])
    message = EmailMultiAlternatives(subject, text, to=[reminder.participant.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        # Not sent: release the claim so the retry (or tomorrow's run) sends it.
        SentReminder.objects.filter(pk=reminder_id).update(sent_at=None)
        raise
    return True
