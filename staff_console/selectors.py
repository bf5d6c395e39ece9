"""Reads of the staff console: queue summaries, participant search, the participant record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

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
