"""Reads shared by the pages, the API, the checklist providers and other apps (mentor console)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.roles import is_staff_member
from enrollment.models import Enrollment
from enrollment.selectors import enrolled_enrollment

from .models import (
    FidelityAssignment,
    FidelityExercise,
    MetricReport,
    TokenLedgerEntry,
)


@dataclass(frozen=True)
class Access:
    has_access: bool
    unlimited: bool
    balance: int
    enrollment: Enrollment | None

    @property
    def can_record(self) -> bool:
        return self.has_access and (self.unlimited or self.balance > 0)


def balance_for(user: Any, as_of: date | None = None) -> int:
    qs = TokenLedgerEntry.objects.filter(account__participant=user)
    if as_of is not None:
        qs = qs.filter(at__date__lte=as_of)
    return qs.aggregate(total=Coalesce(Sum("amount"), 0))["total"]


def access_for(user: Any, as_of: date | None = None) -> Access:
    """May `user` use the metric tools, and with how many tokens? Access needs an enrolled enrollment
    (ENROLLED_STATUSES); tokens are unlimited where the phase's rule says so (Phase I and II)."""
    enrollment = enrolled_enrollment(user)
    balance = balance_for(user, as_of)
    if enrollment is None:
        return Access(has_access=False, unlimited=False, balance=balance, enrollment=None)
    return Access(
        has_access=True,
        unlimited=bool(enrollment.rule.tokens_unlimited),
        balance=balance,
        enrollment=enrollment,
    )


def reports_of(user: Any) -> QuerySet[MetricReport]:
    return (
        MetricReport.objects.filter(participant=user)
        .select_related("enrollment")
        .order_by("-report_date", "-id")
    )


@dataclass(frozen=True)
class LedgerLine:
    entry: TokenLedgerEntry
    balance_after: int


def ledger_history(user: Any, limit: int = 500) -> list[LedgerLine]:
    """Newest first, each with the balance it left (computed from the entries, never stored)."""
    entries = list(
        TokenLedgerEntry.objects.filter(account__participant=user)
        .select_related("enrollment", "report")
        .order_by("at", "id")
    )
    running = 0
    lines = []
    for entry in entries:
        running += entry.amount
        lines.append(LedgerLine(entry, running))
    return list(reversed(lines))[:limit]


def clinician_by_email(email: str) -> Any:
    user = get_user_model().objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if user is None:
        raise Http404("No clinician with this e-mail address.")
    return user


def token_accounts_for_staff(search: str = "") -> QuerySet[Any]:
    """Participants (and anyone with a ledger) with their balance and number of movements, for the staff
    ledger page: one query, with subqueries so that a person holding several roles is counted once."""
    user_model = get_user_model()
    entries = TokenLedgerEntry.objects.filter(account__participant=OuterRef("pk")).order_by()
    is_participant = user_model.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name="participant"
    )
    qs = (
        user_model.objects.filter(
            Exists(is_participant)
            | Exists(TokenLedgerEntry.objects.filter(account__participant=OuterRef("pk")))
        )
        .annotate(
            balance=Coalesce(
                Subquery(entries.values("account__participant").annotate(t=Sum("amount")).values("t")), 0
            ),
            entry_count=Coalesce(
                Subquery(entries.values("account__participant").annotate(n=Count("id")).values("n")), 0
            ),
        )
        .order_by("last_name", "first_name", "email")
    )
    if search:
        qs = qs.filter(
            Q(email__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
        )
    return qs


def get_participant_for_staff(user: Any, pk: int) -> Any:
    if not is_staff_member(user):
        raise Http404
    participant = get_user_model().objects.filter(pk=pk).first()
    if participant is None:
        raise Http404("No such person.")
    return participant


def ledger_entries_visible_to(user: Any) -> QuerySet[TokenLedgerEntry]:
    qs = TokenLedgerEntry.objects.select_related("account__participant", "enrollment")
    return qs if is_staff_member(user) else qs.filter(account__participant=user)


# --- Fidelity Exercise -----------------------------------------------------------------------------

FIDELITY_NONE = "none"  # no exercise assigned in this enrollment
FIDELITY_ASSIGNED = "assigned"  # assigned, deadline not passed, not submitted
FIDELITY_OVERDUE = "overdue"  # deadline passed, not submitted
FIDELITY_SUBMITTED = "submitted"  # submitted on time, results not out or not self-scored
FIDELITY_SUBMITTED_LATE = "submitted_late"
FIDELITY_DONE = "done"  # self-scoring marked done: counts toward the phase or year
FIDELITY_LABELS = {
    FIDELITY_NONE: "No exercise",
    FIDELITY_ASSIGNED: "Assigned",
    FIDELITY_OVERDUE: "Not submitted (overdue)",
    FIDELITY_SUBMITTED: "Submitted",
    FIDELITY_SUBMITTED_LATE: "Submitted late",
    FIDELITY_DONE: "Done",
}


def assignment_status(assignment: FidelityAssignment, today: date | None = None) -> str:
    today = today or timezone.localdate()
    if assignment.self_scored_at is not None:
        return FIDELITY_DONE
    if assignment.submitted_at is not None:
        return FIDELITY_SUBMITTED_LATE if assignment.late else FIDELITY_SUBMITTED
    if today > assignment.exercise.deadline:
        return FIDELITY_OVERDUE
    return FIDELITY_ASSIGNED


def fidelity_status_for_enrollments(
    enrollments: Iterable[Enrollment], today: date | None = None
) -> dict[int, str]:
    """The latest exercise's state for each enrollment (one query, whatever their number). Keys are
    enrollment ids; values are the FIDELITY_* codes (labels in FIDELITY_LABELS)."""
    ids = [e.pk for e in enrollments]
    status = {pk: FIDELITY_NONE for pk in ids}
    if not ids:
        return status
    assignments = (
        FidelityAssignment.objects.filter(enrollment_id__in=ids)
        .select_related("exercise")
        .order_by("enrollment_id", "exercise__year")
    )
    for assignment in assignments:  # later years overwrite earlier ones
        status[assignment.enrollment_id] = assignment_status(assignment, today)
    return status


def exercises() -> QuerySet[FidelityExercise]:
    return FidelityExercise.objects.annotate(
        assigned=Count("assignments"),
        submitted=Count("assignments", filter=Q(assignments__submitted_at__isnull=False)),
        late=Count("assignments", filter=Q(assignments__late=True)),
        self_scored=Count("assignments", filter=Q(assignments__self_scored_at__isnull=False)),
    ).order_by("-year")


def get_exercise(pk: int) -> FidelityExercise:
    exercise = exercises().filter(pk=pk).first()
    if exercise is None:
        raise Http404("No such exercise.")
    return exercise


def assignments_of_exercise(exercise: FidelityExercise) -> QuerySet[FidelityAssignment]:
    return (
        FidelityAssignment.objects.filter(exercise=exercise)
        .select_related("participant", "enrollment", "report", "exercise")
        .order_by("submitted_at", "participant__last_name", "participant__first_name")
    )


def assignments_of(user: Any) -> QuerySet[FidelityAssignment]:
    return (
        FidelityAssignment.objects.filter(participant=user)
        .select_related("exercise", "report", "enrollment")
        .order_by("-exercise__year")
    )


def get_assignment_for_user(user: Any, pk: int) -> FidelityAssignment:
    """One's own assignment (staff: any). Anyone else's answers 404."""
    qs = FidelityAssignment.objects.select_related("exercise", "participant", "report")
    if not is_staff_member(user):
        qs = qs.filter(participant=user)
    assignment = qs.filter(pk=pk).first()
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment


def get_exercise_for_file(user: Any, pk: int) -> FidelityExercise:
    """Staff, or a clinician assigned the exercise, may download its files."""
    qs = FidelityExercise.objects.all()
    if not is_staff_member(user):
        qs = qs.filter(assignments__participant=user)
    exercise = qs.filter(pk=pk).first()
    if exercise is None:
        raise Http404("No such exercise.")
    return exercise


def current_assignment(user: Any) -> FidelityAssignment | None:
    return assignments_of(user).first()


# --- Checklist providers (registered in apps.py) ---------------------------------------------------


def _year_of(enrollment: Enrollment, on: date) -> int:
    """1 for the enrollment's first twelve months, 2 for the next twelve, and so on."""
    from enrollment.dates import add_months

    year = 1
    while on >= add_months(enrollment.start_date, 12 * year):
        year += 1
    return year


def metric_report_progress(
    enrollments: Sequence[Enrollment], params: dict[str, Any], as_of: date
) -> dict[int, Any]:
    """Provider "metric_reports": reports of `params["report_types"]` (all types when absent) recorded
    toward each enrollment up to `as_of`. Optional parameters:
    - `per_year`: each year of the enrollment counts at most this many (Phase II: "10 a year for
      2 years" is a target of 20 with per_year 10, so 20 in the first year alone is not enough);
    - `enrollment_year` (1, 2, …): count only that year of the enrollment.
    One query for all enrollments."""
    from requirements_tracking.providers import Progress

    by_id = {e.pk: e for e in enrollments}
    if not by_id:
        return {}
    qs = MetricReport.objects.filter(enrollment_id__in=list(by_id), report_date__lte=as_of)
    types = params.get("report_types")
    if types:
        qs = qs.filter(report_type__in=list(types))
    only_year = int(params["enrollment_year"]) if params.get("enrollment_year") else None
    per_year = int(params["per_year"]) if params.get("per_year") else None
    by_year: dict[int, dict[int, int]] = {pk: {} for pk in by_id}
    details: dict[int, list[str]] = {pk: [] for pk in by_id}
    labels = dict(MetricReport._meta.get_field("report_type").choices)  # type: ignore[arg-type]
    rows = qs.order_by("report_date", "id").values_list(
        "enrollment_id", "report_date", "report_type", "client_code"
    )
    for enrollment_id, report_date, report_type, code in rows:
        year = _year_of(by_id[enrollment_id], report_date) if (only_year or per_year) else 1
        if only_year and year != only_year:
            continue
        by_year[enrollment_id][year] = by_year[enrollment_id].get(year, 0) + 1
        details[enrollment_id].append(
            f"{report_date:%Y-%m-%d} {labels.get(report_type, report_type)}{' ' + code if code else ''}"
        )
    answer = {}
    for pk, years in by_year.items():
        if per_year:
            done = sum(min(n, per_year) for n in years.values())
            summary = [f"Year {y}: {n} of {per_year}" for y, n in sorted(years.items())]
            answer[pk] = Progress(done=done, detail=summary + details[pk])
        else:
            answer[pk] = Progress(done=sum(years.values()), detail=details[pk])
    return answer


def fidelity_exercise_progress(
    enrollments: Sequence[Enrollment], params: dict[str, Any], as_of: date
) -> dict[int, Any]:
    """Provider "fidelity_exercise": exercises assigned during each enrollment that the clinician
    submitted and marked self-scored (by `as_of`). One query."""
    from requirements_tracking.providers import Progress

    ids = [e.pk for e in enrollments]
    done: dict[int, list[str]] = {pk: [] for pk in ids}
    rows = FidelityAssignment.objects.filter(
        enrollment_id__in=ids, submitted_at__isnull=False, self_scored_at__date__lte=as_of
    ).values_list("enrollment_id", "exercise__year", "late")
    for enrollment_id, year, late in rows.order_by("exercise__year"):
        done[enrollment_id].append(f"Fidelity Exercise {year}{' (submitted late)' if late else ''}")
    return {pk: Progress(done=len(lines), detail=lines) for pk, lines in done.items()}


def participants_without_submission(exercise: FidelityExercise) -> QuerySet[FidelityAssignment]:
    return assignments_of_exercise(exercise).filter(submitted_at__isnull=True)
