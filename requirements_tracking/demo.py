"""Demo data: checklists for the demo people's enrollments (whatever enrollment's demo made), with a
few Phase I sessions ticked and some call attendance for participant@example.org. Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from enrollment.models import OPEN_STATUSES, Enrollment, Phase

from .call_services import call_attendance_record
from .models import CallAttendance, CallSeries, ChecklistEntry, ChecklistRequirement, ChecklistStatus, Mode
from .schedule import occurrences_between
from .services import checklist_get_or_create, entry_record

DEMO_EMAILS = ("participant@example.org", "participant2@example.org", "trainer@example.org")


def _say(out: Any, text: str) -> None:
    if out is not None:
        out.write(text)


def seed(out: Any = None) -> None:
    enrollments = Enrollment.objects.filter(
        participant__email__in=DEMO_EMAILS, status__in=sorted(OPEN_STATUSES)
    ).select_related("participant", "policy")
    made = 0
    for enrollment in enrollments:
        checklist_get_or_create(enrollment)
        made += 1
    _say(out, f"requirements_tracking: checklists for {made} demo enrollments")
    participant = User.objects.filter(email="participant@example.org").first()
    if participant is None:
        return
    phase1 = next(
        (e for e in enrollments if e.participant_id == participant.pk and e.phase == Phase.PHASE_1), None
    )
    if phase1 is None:
        return
    checklist = checklist_get_or_create(phase1)
    if checklist.status != ChecklistStatus.OPEN:
        return
    today = timezone.localdate()
    start = max(phase1.start_date, today - timedelta(days=120))
    ticks = {"core_series": 4, "case_seminars": 2, "metric_training": 2, "readings": 1}
    for requirement in ChecklistRequirement.objects.filter(checklist=checklist, code__in=ticks):
        for number in range(1, ticks[requirement.code] + 1):
            if ChecklistEntry.objects.filter(requirement=requirement, number=number).exists():
                continue
            day = min(today, start + timedelta(days=10 * number))
            entry_record(
                actor=participant,
                requirement=requirement,
                number=number,
                completed_on=day,
                mode=Mode.RECORDING if number % 2 else Mode.LIVE,
                note="Demo entry",
            )
    # Attendance at the last few calls since the enrollment started.
    now = timezone.now()
    series = list(CallSeries.objects.filter(is_active=True))
    started = datetime.combine(phase1.start_date, time.min, tzinfo=UTC)
    since = max(now - timedelta(days=150), started)
    for occ in occurrences_between(since, now, series)[:4]:
        if (
            occ.cancelled
            or CallAttendance.objects.filter(
                participant=participant,
                occurrence__series=occ.series,
                occurrence__original_date=occ.original_date,
            ).exists()
        ):
            continue
        call_attendance_record(
            actor=participant,
            series=occ.series,
            original_date=occ.original_date,
            mode=Mode.RECORDING,
            now=now,
        )
    _say(out, "requirements_tracking: some Phase I entries and call attendance for participant@example.org")
