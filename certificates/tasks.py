from __future__ import annotations

from celery import shared_task

from .bulk import run_bulk_print_shard


@shared_task(acks_late=True)
def bulk_print_shard_task(job_id: int, shard: int) -> str:
    """Render one shard of a bulk print job (and assemble the files if it finishes last).

    Safe to run twice: rendered files are kept, progress is saved as a count, assembly is claimed.
    """
    return run_bulk_print_shard(job_id, shard)
