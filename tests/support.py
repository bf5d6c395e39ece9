"""Helpers for tests: users with roles, TOTP codes, signing in through the real pages."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.contrib.auth.models import Group
from django.core.cache import cache

from accounts.models import User

PASSWORD = "correct-horse-battery-9"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"


def make_user(
    email: str,
    roles: list[str] | tuple[str, ...] = (),
    *,
    mfa: bool = False,
    password: str = PASSWORD,
    **fields: Any,
) -> User:
    user = User.objects.create_user(email=email, password=password, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if "admin" in roles:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if mfa:
        TOTP.activate(user, TEST_TOTP_SECRET)
        RecoveryCodes.activate(user)
    return user


def totp_code(user: User) -> str:
    """The user's current code; forgets that it was used so a test may sign in twice in 30 s."""
    auth = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(auth.data["secret"])
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    return code


def sign_in(client: Any, email: str, password: str = PASSWORD, user: User | None = None) -> Any:
    """Sign in through allauth's pages, answering the MFA step when the account has it."""
    response = client.post("/accounts/login/", {"login": email, "password": password})
    if response.status_code == 302 and response["Location"].startswith("/accounts/2fa/authenticate"):
        user = user or User.objects.get(email=email)
        response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(user)})
    return response


# Data that migrations put in place (the program policy, requirement templates, call series). A
# transactional test (live server, browser, concurrency) flushes every table afterwards, so the tests
# that come after it would find none: `restore_program_data` puts it back, idempotently.
PROGRAM_DATA_MIGRATIONS = (
    "enrollment.migrations.0002_december_2025_policy",
    "requirements_tracking.migrations.0003_december_2025_requirements",
)


def restore_program_data() -> None:
    from importlib import import_module

    from django.apps import apps as django_apps

    for dotted in PROGRAM_DATA_MIGRATIONS:
        import_module(dotted).seed(django_apps, None)


def hold_after_reading(monkeypatch: Any, owner: Any, name: str, parties: int) -> None:
    """Replace `owner.name` (a function that reads what a racer then decides on: a balance, a count)
    with one that, after reading, waits until `parties` racers have read. The races without their
    lock then interleave on any machine: a sleep only widens the window, and on a loaded machine the
    racers can still arrive one after another and the unlocked race pass by luck. A racer that never
    arrives breaks the barrier after ten seconds and the rest go on."""
    real = getattr(owner, name)
    barrier = threading.Barrier(parties, timeout=10)

    def held(*args: Any, **kwargs: Any) -> Any:
        value = real(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return value

    monkeypatch.setattr(owner, name, held)
