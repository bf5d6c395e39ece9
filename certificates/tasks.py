from __future__ import annotations

from typing import Any

from celery import shared_task

from .bulk import run_bulk_print_shard


@shared_task(bind=True, acks_late=True)
def bulk_print_shard_task(self: Any, job_id: int, shard: int) -> str:
    """Render one shard of a bulk print job (and assemble the files if it finishes last).

    Safe to run twice: rendered files are kept, progress is saved as a count, assembly is claimed.
    Delivered again (its worker died), it may take over an assembly that worker had begun.
    """
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    return run_bulk_print_shard(job_id, shard, take_over=redelivered)
