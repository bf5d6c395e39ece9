"""Celery tasks of the staff console. They take ids and are safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_staff_reminders(reminder_ids: list[int]) -> int:
    from .services import reminder_send

    return sum(1 for pk in reminder_ids if reminder_send(int(pk)))


@shared_task(bind=True, acks_late=True)
def build_evidence_pack(self: Any, job_id: int) -> bool:
    from .evidence import evidence_pack_build

    # Delivered again: the worker that took it died mid-build (CELERY_TASK_REJECT_ON_WORKER_LOST, or the
    # broker's visibility timeout), so the pack it left "running" is built again.
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    return evidence_pack_build(int(job_id), take_over=redelivered)
