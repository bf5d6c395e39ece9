"""The fuzz tests' world: the demo program (every app's demo seed, as `seed_demo` makes it) on a fixed
day, personal API tokens for a staff member and a participant, and helpers that prove nothing was
half-saved."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings

from tests.support import restore_program_data

# The demo seeds date everything from "today": a fixed day keeps the fuzz runs reproducible.
FUZZ_NOW = "2026-06-15T14:00:00+00:00"


@dataclass
class World:
    secrets: dict[str, str]
    users: dict[str, Any]


def build_world() -> World:
    from accounts.models import User
    from accounts.services import api_token_create
    from requirements_tracking.models import PolicyAgreement

    restore_program_data()  # a transactional test before may have flushed what migrations put there
    call_command("seed_demo", stdout=io.StringIO())
    PolicyAgreement.objects.get_or_create(
        version=1, defaults={"text": "Client information stays confidential; reports carry no names."}
    )
    users = {
        "staff": User.objects.get(email="staff@example.org"),
        "participant": User.objects.get(email="participant@example.org"),
    }
    secrets = {
        role: api_token_create(actor=user, user=user, name=f"fuzz {role}")[1] for role, user in users.items()
    }
    return World(secrets=secrets, users=users)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run a block in a savepoint and undo it: every fuzz example starts from the same world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    """Built once for a module in a transaction that is rolled back after it; each test's own
    transaction (the `db` fixture) nests inside it."""
    media = tmp_path_factory.mktemp("fuzz_media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        time_machine.travel(FUZZ_NOW, tick=True),
        rolled_back(),
    ):
        yield build_world()


@pytest.fixture(scope="module")
def in_process_wsgi() -> Iterator[None]:
    """Requests through Django's WSGI handler in the test's own transaction. The handler closes "old"
    connections at each request's start and end, which would end the test transaction (Django's test
    client unhooks the same signal handler)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
