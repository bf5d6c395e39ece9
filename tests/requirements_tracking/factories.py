"""Helpers for requirement-tracking tests: enrollments opened through the enrollment services, fake
providers, and a way to fill a checklist so that it can be signed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from enrollment.models import Enrollment, Phase, ProgramPolicy
from enrollment.services import enrollment_open
from requirements_tracking import providers
from requirements_tracking.call_services import call_attendance_record
from requirements_tracking.models import (
    CallSeries,
    ChecklistRequirement,
    Kind,
    Mode,
    PolicyAgreement,
)
from requirements_tracking.schedule import occurrences_between
from requirements_tracking.services import agreement_sign, checklist_get_or_create, entry_record


def policy() -> ProgramPolicy:
    return ProgramPolicy.objects.get(name="December 2025")


def open_enrollment(
    user: Any, phase: str = Phase.PHASE_1, start: date | None = None, **kw: Any
) -> Enrollment:
    return enrollment_open(
        actor=None, participant=user, phase=phase, start_date=start or date(2026, 1, 5), policy=policy(), **kw
    )


@contextmanager
def fake_providers(done: int | None = None) -> Iterator[None]:
    """Register providers that report every target met (or `done` for each), then restore."""
    saved = dict(providers.PROVIDERS)

    def make(source: str) -> providers.Provider:
        def provider(enrollments: Any, params: dict[str, Any], as_of: date) -> dict[int, providers.Progress]:
            reqs = {
                r.checklist.enrollment_id: r.target
                for r in ChecklistRequirement.objects.filter(
                    checklist__enrollment__in=list(enrollments)
                ).select_related("checklist")
                if r.source == source and (r.params or {}) == params
            }
            return {
                e.pk: providers.Progress(
                    done if done is not None else reqs.get(e.pk, 0), [f"{source} (test)"]
                )
                for e in enrollments
            }

        return provider

    for source in (
        "metric_reports",
        "fidelity_exercise",
        "study_group_attendance",
        "group_facilitation",
        "trainer_activities",
    ):
        providers.register_provider(source, make(source))
    try:
        yield
    finally:
        providers.PROVIDERS.clear()
        providers.PROVIDERS.update(saved)


def attend_months(user: Any, start: date, months: int) -> None:
    """Attend every metric and community call from `start` on, for `months` months with calls."""
    begin = datetime.combine(start, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    seen: set[date] = set()
    for occ in occurrences_between(begin, begin + timedelta(days=800), CallSeries.objects.all()):
        if occ.call_month not in seen and len(seen) >= months:
            break
        seen.add(occ.call_month)
        call_attendance_record(
            actor=user,
            series=occ.series,
            original_date=occ.original_date,
            mode=Mode.RECORDING,
            now=occ.ends_at,
        )


def fill_checklist(user: Any, enrollment: Enrollment, on: date) -> None:
    """Tick every manual requirement, attend 10 months of calls and sign the agreement."""
    checklist = checklist_get_or_create(enrollment)
    for r in ChecklistRequirement.objects.filter(checklist=checklist, kind__in=[Kind.SESSIONS, Kind.ITEMS]):
        limit = len(r.item_labels) if r.kind == Kind.ITEMS else r.target
        for n in range(1, limit + 1):
            entry_record(actor=user, requirement=r, number=n, completed_on=on)
    needed = max(
        [r.target for r in ChecklistRequirement.objects.filter(checklist=checklist, kind=Kind.MONTHLY_CALLS)]
        or [0]
    )
    attend_months(user, enrollment.start_date, needed)
    agreement = PolicyAgreement.objects.order_by("-version").first()
    from requirements_tracking.services import expected_signer_name

    agreement_sign(actor=user, agreement=agreement, full_name=expected_signer_name(user))


def clear_signed_checklists() -> None:
    """Delete every checklist row with the triggers off (and back on): a transactional test's flush
    runs DELETE on SQLite, which the triggers refuse for signed checklists."""
    from importlib import import_module

    from django.db import connection

    from requirements_tracking.models import Checklist, ChecklistEntry

    migration = import_module("requirements_tracking.migrations.0002_signed_checklist_triggers")

    class Editor:
        def __init__(self) -> None:
            self.connection = connection

        def execute(self, sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.remove(None, Editor())
    try:
        ChecklistEntry.objects.all().delete()
        ChecklistRequirement.objects.all().delete()
        Checklist.objects.all().delete()
    finally:
        migration.install(None, Editor())
