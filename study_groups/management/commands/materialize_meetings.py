"""Fill every open study group's meetings for the window ahead (the same job as the Celery task)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from study_groups.tasks import materialize_all_meetings


class Command(BaseCommand):
    help = "Materialize study-group meetings from each group's recurrence rule (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        made = materialize_all_meetings()
        self.stdout.write(f"{made} meeting(s) created.")
