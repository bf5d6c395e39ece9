from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create demo people for every role and a little sample data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError:
                continue
            seed = getattr(module, "seed", None)
            if seed is None:
                continue
            with transaction.atomic():
                seed(self.stdout)
            self.stdout.write(f"seeded {config.label}")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Accounts and password: see README."))
