"""Writes of the staff console: reminders from a queue, evidence-pack jobs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from accounts.outage import publish_or_fail
from accounts.services import audit_record

from .models import EvidencePackJob, EvidencePackStatus, StaffReminder
from .queues import QueueDef

MAX_MESSAGE = 5000


def reminders_send(
    *, actor: Any, queue: QueueDef, item_ids: Iterable[int], subject: str, body: str, today: date
) -> list[StaffReminder]:
    """Queue a reminder e-mail to the participants of the chosen items of a queue (one per person),
    with an audit entry each; the e-mails go out after commit."""
    if not queue.remindable:
        raise ValidationError("This queue has no reminders.")
    subject, body = subject.strip(), body.strip()
    errors: dict[str, str] = {}
    if not subject:
        errors["subject"] = "Write a subject."
    if not body:
        errors["body"] = "Write the message."
    elif len(body) > MAX_MESSAGE:
        errors["body"] = f"At most {MAX_MESSAGE} characters."
    ids = [int(i) for i in item_ids]
    if not ids:
        errors["ids"] = "Choose at least one row."
    if errors:
        raise ValidationError(errors)
    participant_ids = sorted(
        set(
            queue.queryset(today)
            .filter(pk__in=ids)
            .order_by()
            .values_list(f"{queue.participant_path}__pk", flat=True)
        )
    )
    if not participant_ids:
        raise ValidationError({"ids": "None of the chosen rows is still in this queue."})
    people = get_user_model().objects.filter(pk__in=participant_ids)
    with transaction.atomic():
        made = StaffReminder.objects.bulk_create(
            [
                StaffReminder(participant=p, queue=queue.key, subject=subject, body=body, sent_by=actor)
                for p in people
            ]
        )
        for reminder in made:
            audit_record(
                actor=actor,
                action="staff_console.reminder_sent",
                target=reminder,
                reason=subject,
                changes={"queue": queue.key},
                subject_user=reminder.participant,
            )
        reminder_ids = [r.pk for r in made]

        def _queue() -> None:
            from .tasks import send_staff_reminders

            send_staff_reminders.delay(reminder_ids)

        transaction.on_commit(_queue)
    return made


def reminder_send(reminder_id: int) -> bool:
    """Send one reminder unless someone has; safe to run twice or on two workers at once."""
    if not StaffReminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(sent_at=timezone.now()):
        return False
    reminder = StaffReminder.objects.select_related("participant").get(pk=reminder_id)
    message = EmailMessage(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{reminder.subject}",
        reminder.body,
        to=[reminder.participant.email],
    )
    try:
        message.send()
    except Exception:
        StaffReminder.objects.filter(pk=reminder_id).update(sent_at=None)  # let the retry send it
        raise
    return True


def evidence_pack_request(*, actor: Any, participant: Any) -> EvidencePackJob:
    """Start building a participant's evidence pack in the background (queued on commit)."""
    with transaction.atomic():
        job = EvidencePackJob.objects.create(participant=participant, requested_by=actor)
        audit_record(actor=actor, action="staff_console.evidence_pack_requested", target=job)

        def _queue() -> None:
            from .tasks import build_evidence_pack

            publish_or_fail(
                lambda: build_evidence_pack.delay(job.pk), lambda error: evidence_pack_fail(job.pk, error)
            )

        transaction.on_commit(_queue)
    return job


def evidence_pack_fail(job_id: int, error: str) -> None:
    EvidencePackJob.objects.filter(
        pk=job_id, status__in=[EvidencePackStatus.QUEUED, EvidencePackStatus.RUNNING]
    ).update(status=EvidencePackStatus.FAILED, error=error[:2000], finished_at=timezone.now())


def evidence_pack_claim(job_id: int, *, take_over: bool = False) -> bool:
    """queued → running, by exactly one worker. `take_over` is for a task the broker delivered again
    because the worker building the pack died: a running pack is then built again from the start
    (never left "running" for ever)."""
    states = (
        [EvidencePackStatus.QUEUED, EvidencePackStatus.RUNNING] if take_over else [EvidencePackStatus.QUEUED]
    )
    return bool(
        EvidencePackJob.objects.filter(pk=job_id, status__in=states).update(
            status=EvidencePackStatus.RUNNING, started_at=timezone.now(), steps_done=0
        )
    )


def study_group_assign(
    *, actor: Any, queue: QueueDef, item_ids: Iterable[int], group: Any, today: date
) -> int:
    """Add the participants of the chosen enrollments to a study group (or its waitlist when full),
    through study_groups' roster service. All or nothing: one refusal changes nothing."""
    from study_groups.services.roster import membership_add

    if not queue.assignable:
        raise ValidationError("This queue has no study-group assignment.")
    ids = [int(i) for i in item_ids]
    if not ids:
        raise ValidationError({"ids": "Choose at least one row."})
    enrollments = list(queue.queryset(today).filter(pk__in=ids).order_by("pk"))
    if not enrollments:
        raise ValidationError({"ids": "None of the chosen rows is still in this queue."})
    with transaction.atomic():
        for enrollment in enrollments:
            membership_add(
                actor=actor, group=group, participant=enrollment.participant, reason="From the staff console"
            )
    return len(enrollments)
