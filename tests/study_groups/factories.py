"""Builders for study-group tests: enrollments made directly (no hooks), groups through the service."""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import count
from typing import Any

from enrollment.dates import add_months
from enrollment.models import Enrollment, EnrollmentStatus, Phase, ProgramPolicy
from study_groups import services
from study_groups.models import DEFAULT_RULES, GroupKind, StudyGroup
from tests.support import make_user

_n = count(1)


def enroll(
    user: Any,
    phase: str = Phase.PHASE_1,
    start: date = date(2026, 1, 5),
    status: str = EnrollmentStatus.ACTIVE,
) -> Enrollment:
    policy = ProgramPolicy.objects.get(name="December 2025")
    return Enrollment.objects.create(
        participant=user,
        phase=phase,
        policy=policy,
        status=status,
        start_date=start,
        term_end=add_months(start, policy.rule(phase).term_months),
    )


def participant(phase: str = Phase.PHASE_1, start: date = date(2026, 1, 5), **kw: Any) -> Any:
    n = next(_n)
    user = make_user(f"member{n}@example.org", ["participant"], first_name="Member", last_name=f"{n:03d}")
    enroll(user, phase, start, **kw)
    return user


def group(
    mentor: Any,
    *,
    kind: str = GroupKind.CERTIFICATION,
    capacity: int = 10,
    starts_on: date = date(2026, 1, 1),
    name: str | None = None,
    rule: str | None = None,
) -> StudyGroup:
    return services.group_create(
        actor=None,
        kind=kind,
        name=name or f"Group {next(_n)}",
        mentors=[mentor],
        capacity=capacity,
        recurrence_rule=rule or DEFAULT_RULES[kind],
        starts_on=starts_on,
        start_time=time(15, 0),
        time_zone="America/New_York",
        video_link="https://video.example.org/g",
    )


def at(y: int, m: int, d: int, h: int = 12) -> datetime:
    from datetime import UTC as utc

    return datetime(y, m, d, h, tzinfo=utc)


def ensure_program_data() -> None:
    """A transactional test (live server) may start after another one flushed the database: put back the
    policy and requirement templates the data migrations seed (both seeds are idempotent)."""
    from importlib import import_module

    from django.apps import apps

    if ProgramPolicy.objects.filter(name="December 2025").exists():
        return
    import_module("enrollment.migrations.0002_december_2025_policy").seed(apps, None)
    import_module("requirements_tracking.migrations.0003_december_2025_requirements").seed(apps, None)
