from __future__ import annotations

import time
from typing import Any

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PEOPLE


def current_code(secret: str, at: float | None = None) -> str:
    return format_hotp_value(hotp_value(secret, int((at or time.time()) // 30)))


class Command(BaseCommand):
    help = "Print the current two-factor codes of the demo staff and admin accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        left = 30 - int(time.time()) % 30
        for person in DEMO_PEOPLE:
            if person.totp_secret:
                self.stdout.write(
                    f"{person.email:28} {current_code(person.totp_secret)}   (valid {left}s more)"
                )
