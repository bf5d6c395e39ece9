"""Reminders before deadlines, each sent exactly once however often the job runs.

A reminder is due when its deadline falls inside its window: for the policy's reminder days, e.g.
[60, 30, 7], the 60-day reminder is due while the deadline is 31–60 days away, the 30-day one while it
is 8–30 days away, the 7-day one in the last 7 days. A run that missed a window (the job was down)
sends the next one, not a burst of stale ones. Windows are plain date ranges on the deadline column,
so finding them costs one query per (kind, window, policy version).

Exactly once: the run inserts SentReminder rows (unique per enrollment, kind, deadline, days before)
with its claim id and ON CONFLICT DO NOTHING, then queues e-mail for the rows that carry its claim,
after commit. The sending task claims each row again (sent_at IS NULL → now) before sending.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Enrollment, EnrollmentStatus, Phase

from .models import ReminderKind, SentReminder

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


def due_reminder_rows(as_of: date, policy_list: list[Any]) -> list[SentReminder]:
    rows: list[SentReminder] = []
    for policy in policy_list:
        for days_before, next_smaller in windows(policy.reminder_days):
            low, high = as_of + timedelta(days=next_smaller), as_of + timedelta(days=days_before)
            for kind, (where, column) in REMINDER_SOURCES.items():
                found = Enrollment.objects.filter(
                    where, policy_id=policy.pk, **{f"{column}__gt": low, f"{column}__lte": high}
                ).values_list("pk", "participant_id", column)
                rows += [
                    SentReminder(
                        enrollment_id=pk,
                        participant_id=participant_id,
                        kind=kind,
                        deadline=deadline,
                        days_before=days_before,
                    )
                    for pk, participant_id, deadline in found
                ]
    rows += _fidelity_reminder_rows(as_of, policy_list)
    return rows


def _fidelity_reminder_rows(as_of: date, policy_list: list[Any]) -> list[SentReminder]:
    """Clinicians assigned to a Fidelity Exercise who have not submitted, before its deadline (the
    metrics_tokens app's FidelityAssignment; skipped while that model does not exist). The exercise's
    deadline is its last day; our deadlines are the first day after, like every other end date."""
    try:
        assignment_model = apps.get_model("metrics_tokens", "FidelityAssignment")
    except LookupError:
        return []
    rows: list[SentReminder] = []
    for policy in policy_list:
        for days_before, next_smaller in windows(policy.reminder_days):
            low, high = as_of + timedelta(days=next_smaller), as_of + timedelta(days=days_before)
            found = assignment_model.objects.filter(
                submitted_at__isnull=True,
                enrollment__policy_id=policy.pk,
                exercise__deadline__gte=low,  # deadline + 1 > low
                exercise__deadline__lt=high,  # deadline + 1 <= high
            ).values_list("enrollment_id", "participant_id", "exercise__deadline")
            rows += [
                SentReminder(
                    enrollment_id=enrollment_id,
                    participant_id=participant_id,
                    kind=ReminderKind.FIDELITY_DEADLINE,
                    deadline=last_day + timedelta(days=1),
                    days_before=days_before,
                )
                for enrollment_id, participant_id, last_day in found
            ]
    return rows


def claim_due_reminders(as_of: date, policy_list: list[Any], *, claim: str) -> int:
    """Insert the due reminders this run is first to claim and queue their e-mail after commit."""
    rows = due_reminder_rows(as_of, policy_list)
    if not rows:
        return 0
    for row in rows:
        row.claim = claim
    SentReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
    ids = list(SentReminder.objects.filter(claim=claim).values_list("pk", flat=True))
    if ids:
        from .tasks import send_reminders

        for i in range(0, len(ids), SEND_BATCH):
            batch = ids[i : i + SEND_BATCH]
            transaction.on_commit(lambda batch=batch: send_reminders.delay(batch))
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
