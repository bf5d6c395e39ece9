"""Reads of the staff console: queue summaries, participant search, the participant record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min
from django.utils import timezone

from .queues import QUEUES, QueueDef


@dataclass
class QueueSummary:
    queue: QueueDef
    count: int
    edge: Any  # the oldest waiting time (or, for "ending", the soonest end)

    @property
    def days(self) -> int | None:
        """Days the oldest item has waited (for "ending": days until the soonest end)."""
        if self.edge is None:
            return None
        day = timezone.localtime(self.edge).date() if isinstance(self.edge, datetime) else self.edge
        today = timezone.localdate()
        return (day - today).days if self.queue.ending else (today - day).days


def queue_summary(queue: QueueDef, today: date) -> QueueSummary:
    """One query per queue: its count and its oldest item's waiting time."""
    row = queue.queryset(today).order_by().aggregate(n=Count("pk"), edge=Min(queue.waiting_field))
    return QueueSummary(queue, row["n"] or 0, row["edge"])


def queue_summaries(today: date | None = None) -> list[QueueSummary]:
    today = today or timezone.localdate()
    return [queue_summary(q, today) for q in QUEUES.values()]


CACHE_KEY = "staff_console:queue_summaries"


def cached_queue_summaries(*, fresh: bool = False) -> tuple[list[QueueSummary], datetime]:
    """The summaries as counted at most STAFF_HOME_CACHE_SECONDS ago (`fresh`: count now), and when
    they were counted. Ten aggregate queries over the whole program are the staff home's cost; a busy
    office opening it all day shares one count."""
    seconds = int(settings.STAFF_HOME_CACHE_SECONDS)
    if seconds and not fresh:
        hit = cache.get(CACHE_KEY)
        if hit is not None:
            counted_at, rows = hit
            return [QueueSummary(QUEUES[k], n, edge) for k, n, edge in rows if k in QUEUES], counted_at
    summaries = queue_summaries()
    counted_at = timezone.now()
    if seconds:
        cache.set(CACHE_KEY, (counted_at, [(s.queue.key, s.count, s.edge) for s in summaries]), seconds)
    return summaries, counted_at
