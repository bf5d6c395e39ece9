"""Reads of the maintenance app shared by pages, the API and other apps."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.roles import is_staff_member
from enrollment.models import Enrollment, EnrollmentStatus, Phase
from requirements_tracking.providers import Progress

from .models import Presentation, PresentationStatus, RecertificationRequirement, SentReminder

S = EnrollmentStatus


def latest_maintenance(user: Any) -> Enrollment | None:
    """The participant's newest Maintenance or Re-Certification enrollment."""
    return (
        Enrollment.objects.filter(participant=user, phase__in=[Phase.MAINTENANCE, Phase.RECERTIFICATION])
        .select_related("policy")
        .order_by("-start_date", "-id")
        .first()
    )


def open_recertification_requirements(user: Any) -> QuerySet[RecertificationRequirement]:
    return RecertificationRequirement.objects.filter(participant=user, resolved_at__isnull=True)


def recertification_required(user: Any) -> str:
    """Why this clinician must complete Re-Certification before renewing ("" when they need not)."""
    marker = open_recertification_requirements(user).first()
    if marker is not None:
        return marker.reason
    latest = latest_maintenance(user)
    if latest is not None and latest.status == S.LAPSED:
        if latest.phase == Phase.RECERTIFICATION:
            return "Re-Certification ran out before it was completed."
        return "Maintenance lapsed for longer than the policy allows."
    return ""


def reminders_of(user: Any) -> QuerySet[SentReminder]:
    return SentReminder.objects.filter(participant=user, sent_at__isnull=False).select_related("enrollment")


def reminders_visible_to(user: Any) -> QuerySet[SentReminder]:
    qs = SentReminder.objects.filter(sent_at__isnull=False).select_related("enrollment", "participant")
    return qs if is_staff_member(user) else qs.filter(participant=user)


def presentations_visible_to(user: Any) -> QuerySet[Presentation]:
    qs = Presentation.objects.select_related("trainer", "reviewed_by")
    return qs if is_staff_member(user) else qs.filter(trainer=user)


def get_presentation_for_user(user: Any, pk: int) -> Presentation:
    """Own presentation, or any for staff; anyone else's answers 404."""
    presentation = presentations_visible_to(user).filter(pk=pk).first()
    if presentation is None:
        raise Http404("No such presentation.")
    return presentation


def review_queue() -> QuerySet[Presentation]:
    return (
        Presentation.objects.filter(status=PresentationStatus.SUBMITTED)
        .select_related("trainer")
        .order_by("planned_on", "id")
    )


def flagged_maintenance_years() -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(phase=Phase.MAINTENANCE, flagged_for_review=True)
        .select_related("participant", "policy", "year_end_check")
        .order_by("term_end", "id")
    )


def recertification_overview() -> dict[str, Any]:
    later = Enrollment.objects.filter(
        participant_id=OuterRef("participant_id"),
        phase__in=[Phase.MAINTENANCE, Phase.RECERTIFICATION],
        start_date__gt=OuterRef("start_date"),
    )
    return {
        "required": RecertificationRequirement.objects.filter(resolved_at__isnull=True)
        .select_related("participant", "source_enrollment")
        .order_by("required_on", "id"),
        "lapsed": Enrollment.objects.filter(phase=Phase.MAINTENANCE, status=S.LAPSED)
        .filter(~Exists(later))
        .select_related("participant")
        .order_by("-ended_on", "id")[:200],
        "ongoing": Enrollment.objects.filter(phase=Phase.RECERTIFICATION)
        .exclude(status__in=[S.COMPLETED, S.WITHDRAWN, S.LAPSED])
        .select_related("participant")
        .order_by("term_end", "id"),
    }


def trainer_activity_progress(
    enrollments: Sequence[Enrollment], params: dict[str, Any], as_of: date
) -> dict[int, Progress]:
    """Progress provider "trainer_activities": delivered presentations inside each enrollment's period
    (one query for all enrollments)."""
    if not enrollments:
        return {}
    ranges = {e.pk: (e.participant_id, e.start_date, e.current_end) for e in enrollments}
    window = Q()
    for participant_id, start, end in ranges.values():
        window |= Q(trainer_id=participant_id, delivered_on__gte=start, delivered_on__lt=end)
    delivered = (
        Presentation.objects.filter(window, status=PresentationStatus.DELIVERED, delivered_on__lte=as_of)
        .order_by("delivered_on", "id")
        .values_list("trainer_id", "delivered_on", "title", "venue")
    )
    by_trainer: dict[int, list[tuple[date, str, str]]] = defaultdict(list)
    for trainer_id, delivered_on, title, venue in delivered:
        if delivered_on is not None:
            by_trainer[trainer_id].append((delivered_on, title, venue))
    answer: dict[int, Progress] = {}
    for pk, (participant_id, start, end) in ranges.items():
        lines = [
            f"{on.isoformat()} {title} ({venue})"
            for on, title, venue in by_trainer.get(participant_id, [])
            if start <= on < end
        ]
        answer[pk] = Progress(done=len(lines), detail=lines)
    return answer


def preview_windows(today: date) -> list[tuple[int, date]]:
    return [(days, today + timedelta(days=days)) for days in (30, 60, 90)]
