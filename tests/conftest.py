"""Shared fixtures: a fixed cast of users per role, clients signed in as each, and MFA helpers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from tests.support import make_user, restore_program_data

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright + live_server in one process


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    for each in caches.all():
        each.clear()  # rate limits, used TOTP codes and cached menus do not leak between tests
    yield


def _is_transactional(request: Any) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _program_data_survives_flushes(request: Any) -> Any:
    """Transactional tests start from a flushed database: give them the migrations' program data.
    Afterwards, signed checklists (the demo seed makes some) are cleared before the flush: on SQLite it
    deletes rows table by table, which the signed-checklist triggers refuse (PostgreSQL truncates)."""
    if not _is_transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    restore_program_data()
    yield
    from django.db import connection

    from requirements_tracking.models import Checklist
    from tests.requirements_tracking.factories import clear_signed_checklists

    if connection.vendor == "sqlite" and Checklist.objects.filter(signed_at__isnull=False).exists():
        clear_signed_checklists()


@pytest.fixture
def celery_eager() -> Any:
    """Tasks queued on commit run at once, in the test process. The override is removed afterwards (not
    set back to False), so tests that use the Django setting CELERY_TASK_ALWAYS_EAGER still can."""
    from nmt_cert.celery import app

    had = "task_always_eager" in app.conf.changes
    old = app.conf.changes.get("task_always_eager")
    app.conf.task_always_eager = True
    yield
    if had:
        app.conf.task_always_eager = old
    else:
        app.conf.changes.pop("task_always_eager", None)


@dataclass
class Cast:
    participant: Any
    other_participant: Any
    mentor: Any
    other_mentor: Any
    trainer: Any
    staff: Any
    admin: Any

    def client_for(self, role: str) -> Client:
        client = Client()
        user = getattr(self, role, None)
        if user is not None:
            client.force_login(user)
        return client


@pytest.fixture
def cast(db: Any) -> Cast:
    return Cast(
        participant=make_user("pat@example.org", ["participant"], first_name="Pat", last_name="Participant"),
        other_participant=make_user(
            "quinn@example.org", ["participant"], first_name="Quinn", last_name="Other"
        ),
        mentor=make_user("morgan@example.org", ["mentor"], first_name="Morgan", last_name="Mentor"),
        other_mentor=make_user("mika@example.org", ["mentor"], first_name="Mika", last_name="Mentor"),
        trainer=make_user(
            "terry@example.org", ["trainer", "participant"], first_name="Terry", last_name="Trainer"
        ),
        staff=make_user("sam@example.org", ["staff"], mfa=True, first_name="Sam", last_name="Staff"),
        admin=make_user(
            "alex@example.org", ["admin", "staff"], mfa=True, first_name="Alex", last_name="Admin"
        ),
    )
