"""The annual Fidelity Exercise: create and assign, submit, publish results, self-score."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.services import audit_record
from enrollment.models import ENROLLED_STATUSES, Enrollment

from ..models import FidelityAssignment, FidelityExercise, MetricReport


def _validate_exercise(*, year: int, qa_session_at: datetime, deadline: date, title: str) -> None:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Give the exercise a title."]
    if year < 2000 or year > 2100:
        errors["year"] = ["Give the program year, e.g. 2026."]
    elif FidelityExercise.objects.filter(year=year).exists():
        errors["year"] = [f"There is already a Fidelity Exercise for {year}."]
    else:
        # The exercise is the program year's: a Q&A session or deadline years away is a typo.
        for name, day in (("qa_session_at", qa_session_at and qa_session_at.date()), ("deadline", deadline)):
            if day and not year <= day.year <= year + 1:
                errors[name] = [f"Choose a day in {year} or {year + 1}."]
    if "qa_session_at" not in errors and qa_session_at and deadline and qa_session_at.date() > deadline:
        errors["deadline"] = ["The deadline must fall on or after the Q&A session."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def fidelity_exercise_create(
    *,
    actor: Any,
    year: int,
    title: str,
    case_abstract: File,
    qa_session_at: datetime,
    qa_session_link: str,
    deadline: date,
) -> FidelityExercise:
    """Create the year's exercise and assign it to every clinician enrolled in a training phase,
    Maintenance or Re-Certification now (and, through the started hook, to those who start before
    the deadline)."""
    _validate_exercise(year=year, qa_session_at=qa_session_at, deadline=deadline, title=title)
    exercise = FidelityExercise.objects.create(
        year=year,
        title=title.strip(),
        case_abstract=case_abstract,
        qa_session_at=qa_session_at,
        qa_session_link=qa_session_link,
        deadline=deadline,
        created_by=actor,
    )
    enrolled = (
        Enrollment.objects.filter(status__in=sorted(ENROLLED_STATUSES))
        .order_by("participant_id", "-start_date", "-id")
        .values_list("participant_id", "pk")
    )
    chosen: dict[int, int] = {}
    for participant_id, enrollment_id in enrolled:
        chosen.setdefault(participant_id, enrollment_id)  # the newest enrollment of each
    FidelityAssignment.objects.bulk_create(
        [FidelityAssignment(exercise=exercise, participant_id=p, enrollment_id=e) for p, e in chosen.items()]
    )
    audit_record(
        actor=actor,
        action="fidelity.created",
        target=exercise,
        changes={"year": year, "deadline": deadline.isoformat(), "assigned": len(chosen)},
    )
    return exercise


def fidelity_assign_on_start(enrollment: Enrollment) -> None:
    """ENROLLMENT_STARTED hook: a clinician who starts before an open exercise's deadline gets it too."""
    exercise = (
        FidelityExercise.objects.filter(deadline__gte=enrollment.start_date, results_published_at=None)
        .order_by("-year")
        .first()
    )
    if exercise is None:
        return
    FidelityAssignment.objects.get_or_create(
        exercise=exercise, participant=enrollment.participant, defaults={"enrollment": enrollment}
    )


def fidelity_submit(*, report: MetricReport) -> FidelityAssignment | None:
    """A Fidelity report is the submission of the clinician's oldest open assignment. Late when recorded
    after the deadline (flagged; it still counts)."""
    assignment = (
        FidelityAssignment.objects.select_for_update()
        .filter(participant=report.participant, report__isnull=True)
        .select_related("exercise")
        .order_by("exercise__year")
        .first()
    )
    if assignment is None:
        return None
    now = timezone.now()
    assignment.report = report
    assignment.submitted_at = now
    assignment.late = timezone.localdate(now) > assignment.exercise.deadline
    assignment.save(update_fields=["report", "submitted_at", "late"])
    return assignment


@transaction.atomic
def fidelity_publish_results(
    *,
    actor: Any,
    exercise: FidelityExercise,
    scored_report: File,
    self_scoring_instructions: str,
    feedback_recording_link: str,
    today: date | None = None,
) -> FidelityExercise:
    """After the deadline: the scored report, the self-scoring instructions and the feedback recording."""
    locked = FidelityExercise.objects.select_for_update().get(pk=exercise.pk)
    today = today or timezone.localdate()
    if locked.is_published:
        raise DomainError("The results of this exercise are published already.", code="conflict")
    if today <= locked.deadline:
        raise DomainError(
            f"Results are published after the deadline ({locked.deadline:%Y-%m-%d}).", code="too_early"
        )
    errors: dict[str, list[str]] = {}
    if not scored_report:
        errors["scored_report"] = ["Attach the scored report."]
    if not self_scoring_instructions.strip():
        errors["self_scoring_instructions"] = ["Write the self-scoring instructions."]
    if not feedback_recording_link.strip():
        errors["feedback_recording_link"] = ["Give the link to the recorded feedback discussion."]
    if errors:
        raise ValidationError(errors)
    locked.scored_report = scored_report
    locked.self_scoring_instructions = self_scoring_instructions.strip()
    locked.feedback_recording_link = feedback_recording_link.strip()
    locked.results_published_at = timezone.now()
    locked.save(
        update_fields=[
            "scored_report",
            "self_scoring_instructions",
            "feedback_recording_link",
            "results_published_at",
        ]
    )
    audit_record(actor=actor, action="fidelity.results_published", target=locked)
    return locked


@transaction.atomic
def fidelity_mark_self_scored(*, actor: Any, assignment: FidelityAssignment) -> FidelityAssignment:
    locked = FidelityAssignment.objects.select_for_update().select_related("exercise").get(pk=assignment.pk)
    if locked.self_scored_at is not None:
        raise DomainError("Self-scoring is marked done already.", code="conflict")
    if locked.submitted_at is None:
        raise DomainError("Submit your Fidelity report first.", code="not_submitted")
    if not locked.exercise.is_published:
        raise DomainError(
            "Self-scoring starts when staff publish the scored report (after the deadline).",
            code="not_published",
        )
    locked.self_scored_at = timezone.now()
    locked.save(update_fields=["self_scored_at"])
    audit_record(actor=actor, action="fidelity.self_scored", target=locked)
    return locked
