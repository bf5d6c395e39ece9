"""Ten mentors' requests race for a group's last place: exactly one joins, the rest are waitlisted.
Without the group lock several join, which proves the test can fail. PostgreSQL only."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from study_groups.models import Membership, MembershipStatus
from study_groups.services import membership_add, roster
from tests.support import hold_after_reading

from . import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every write and ignores SELECT … FOR UPDATE "
        "(run with DATABASE_URL=postgres://…; CI does)",
    ),
]

RACERS = 10


def _widen_the_window(monkeypatch: Any) -> None:
    real = roster.active_count

    def slow_active_count(group: Any) -> int:
        value = real(group)
        time.sleep(0.05)
        return value

    monkeypatch.setattr(roster, "active_count", slow_active_count)


def _race(cast: Any) -> int:
    group = f.group(cast.mentor, capacity=1, starts_on=timezone.localdate() - timedelta(days=10))
    people = [f.participant(start=timezone.localdate() - timedelta(days=30)) for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)

    def racer(person: Any) -> None:
        try:
            barrier.wait(timeout=30)
            membership_add(actor=cast.mentor, group=group, participant=person)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=racer, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Membership.objects.filter(group=group).count() == RACERS
    return Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE).count()


def test_only_one_racer_gets_the_last_place(cast: Any, monkeypatch: Any) -> None:
    _widen_the_window(monkeypatch)
    assert _race(cast) == 1


def test_without_the_group_lock_the_race_overfills_the_group(cast: Any, monkeypatch: Any) -> None:
    hold_after_reading(monkeypatch, roster, "active_count", RACERS)
    monkeypatch.setattr(roster, "_lock_groups", lambda *groups: None)
    assert _race(cast) > 1
