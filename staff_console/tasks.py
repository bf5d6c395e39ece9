"""Celery tasks of the staff console. They take ids and are safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_staff_reminders(reminder_ids: list[int]) -> int:
    from .services import reminder_send

    return sum(1 for pk in reminder_ids if reminder_send(int(pk)))


@shared_task(acks_late=True)
def build_evidence_pack(job_id: int) -> bool:
    from .evidence import evidence_pack_build

    return evidence_pack_build(int(job_id))
