from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(ignore_result=False)
def heartbeat() -> str:
    """Proves the worker and beat are alive (also used by the Celery integration test)."""
    return timezone.now().isoformat()


@shared_task(ignore_result=False)
def add(x: int, y: int) -> int:
    return x + y
