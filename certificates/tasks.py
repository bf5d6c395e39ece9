from __future__ import annotations

from celery import shared_task

from .bulk import run_bulk_print


@shared_task(acks_late=True)
def bulk_print_run_task(job_id: int) -> str:
    """Render a bulk print job. Safe to run twice: the job is claimed with a conditional update."""
    return run_bulk_print(job_id)
