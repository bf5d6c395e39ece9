"""Demo data: a few metric reports for participant@example.org and the current Fidelity Exercise.
Runs after enrollment's demo and uses the enrollments it made. Idempotent."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.demo import demo_user
from accounts.models import User
from enrollment.selectors import enrolled_enrollment

from . import services
from .models import FidelityExercise, MetricReport, ReportType
from .selectors import balance_for

CASE_ABSTRACT = b"""NMT Fidelity Exercise - case abstract (demo)

"R." is a 9-year-old referred by school staff for dysregulated behaviour after two placement changes.
Score R.'s current functioning with the NMT metric tools, using the developmental history below, and
submit your Fidelity report by the deadline. (Fictional case written for the demo.)
"""

DEMO_REPORTS = [
    (ReportType.TYPICAL, 40, ""),
    (ReportType.CLIENT_INITIAL, 25, "C-1001"),
    (ReportType.CLIENT_FOLLOW_UP, 6, "C-1001"),
]


def _record_demo_reports(user: User) -> int:
    enrollment = enrolled_enrollment(user)
    if enrollment is None or MetricReport.objects.filter(participant=user).exists():
        return 0
    today = timezone.localdate() - timedelta(days=1)
    if services.tokens_needed(enrollment) and balance_for(user) < len(DEMO_REPORTS):
        services.tokens_adjust(
            actor=None, participant=user, amount=len(DEMO_REPORTS), reason="Demo data", kind="grant"
        )
    made = 0
    for report_type, days_ago, code in DEMO_REPORTS:
        on = max(enrollment.start_date, today - timedelta(days=days_ago))
        services.report_record(
            actor=user, participant=user, report_type=report_type, report_date=on, client_code=code
        )
        made += 1
    return made


def seed(out: Any = None) -> None:
    today = timezone.localdate()
    if not FidelityExercise.objects.filter(year=today.year).exists():
        eastern = ZoneInfo("America/New_York")
        services.fidelity_exercise_create(
            actor=None,
            year=today.year,
            title=f"Fidelity Exercise {today.year}: the case of R.",
            case_abstract=ContentFile(CASE_ABSTRACT, name="case-abstract.txt"),
            qa_session_at=datetime.combine(today + timedelta(days=7), time(15, 0), tzinfo=eastern),
            qa_session_link="https://meet.example.org/nmt-fidelity-qa",
            deadline=today + timedelta(days=30),
        )
    made = _record_demo_reports(demo_user("participant@example.org"))
    if out is not None:
        out.write(
            f"  metrics_tokens: {made} demo reports, {FidelityExercise.objects.count()} fidelity exercise(s)\n"
        )
