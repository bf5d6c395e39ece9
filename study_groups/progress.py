"""Checklist progress this app knows better than a hand-ticked list (registered in apps.ready()):

- "study_group_attendance": study-group meetings the enrollment attended live or by recording, during
  the enrollment and up to `as_of`. With params {"per_month": 2} at most that many count in any one
  calendar month (the requirement is "two 1-hour calls a month", so a third in March does not make up
  for a missed one in April). Months are the group's local months. {"group_kind": "trainer"} counts
  only meetings of that kind of group.
- "group_facilitation": meetings of a Phase I group the trainer facilitated (year 2 onward of their
  Phase II/TTT enrollment) and gave feedback on; {"per_month": 2} caps each month as above, and
  {"include_observed": true} also counts the meetings observed in year 1.

Each answers for many enrollments with one query.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from requirements_tracking.providers import Progress

from .models import COUNTED_ATTENDANCE, Attendance, FacilitationFeedback, MeetingStatus

if TYPE_CHECKING:
    from enrollment.models import Enrollment


def _end_of(as_of: date) -> datetime:
    # Generous by a day so meetings late on as_of anywhere in the world are seen; the local date
    # check below decides.
    return datetime.combine(as_of + timedelta(days=2), time.min, tzinfo=UTC)


def _during(enrollment: Enrollment, day: date, as_of: date) -> bool:
    return enrollment.start_date <= day < enrollment.current_end and day <= as_of


def _cap(params: dict[str, Any]) -> int | None:
    per_month = params.get("per_month")
    return int(per_month) if per_month else None


def study_group_attendance_progress(
    enrollments: Sequence[Enrollment], params: dict[str, Any], as_of: date
) -> dict[int, Progress]:
    by_id = {e.pk: e for e in enrollments}
    if not by_id:
        return {}
    per_month = _cap(params)
    qs = Attendance.objects.filter(
        enrollment_id__in=list(by_id),
        status__in=sorted(COUNTED_ATTENDANCE),
        meeting__status=MeetingStatus.SCHEDULED,
        meeting__starts_at__lt=_end_of(as_of),
    )
    if params.get("group_kind"):
        qs = qs.filter(meeting__group__kind=params["group_kind"])
    rows = qs.order_by("meeting__starts_at").values_list(
        "enrollment_id", "meeting__starts_at", "meeting__group__time_zone", "status"
    )
    counted: dict[int, list[str]] = defaultdict(list)
    per_month_seen: dict[tuple[int, int, int], int] = defaultdict(int)
    for enrollment_id, starts_at, tz_name, status in rows:
        day = starts_at.astimezone(zoneinfo.ZoneInfo(tz_name)).date()
        if not _during(by_id[enrollment_id], day, as_of):
            continue
        key = (enrollment_id, day.year, day.month)
        if per_month is not None and per_month_seen[key] >= per_month:
            continue
        per_month_seen[key] += 1
        how = "live" if status == "present" else "recording"
        counted[enrollment_id].append(f"{day.isoformat()} study group ({how})")
    return {pk: Progress(done=len(lines), detail=lines) for pk, lines in counted.items()}


def group_facilitation_progress(
    enrollments: Sequence[Enrollment], params: dict[str, Any], as_of: date
) -> dict[int, Progress]:
    by_id = {e.pk: e for e in enrollments}
    if not by_id:
        return {}
    roles = [FacilitationFeedback.Role.FACILITATOR]
    if params.get("include_observed"):
        roles.append(FacilitationFeedback.Role.OBSERVER)
    rows = (
        FacilitationFeedback.objects.filter(
            enrollment_id__in=list(by_id),
            role__in=roles,
            meeting__status=MeetingStatus.SCHEDULED,
            meeting__starts_at__lt=_end_of(as_of),
        )
        .order_by("meeting__starts_at")
        .values_list(
            "enrollment_id", "meeting__starts_at", "meeting__group__time_zone", "meeting__group__name", "role"
        )
    )
    per_month = _cap(params)
    counted: dict[int, list[str]] = defaultdict(list)
    per_month_seen: dict[tuple[int, int, int], int] = defaultdict(int)
    for enrollment_id, starts_at, tz_name, group_name, role in rows:
        day = starts_at.astimezone(zoneinfo.ZoneInfo(tz_name)).date()
        if not _during(by_id[enrollment_id], day, as_of):
            continue
        key = (enrollment_id, day.year, day.month)
        if per_month is not None and per_month_seen[key] >= per_month:
            continue
        per_month_seen[key] += 1
        verb = "facilitated" if role == FacilitationFeedback.Role.FACILITATOR else "observed"
        counted[enrollment_id].append(f"{day.isoformat()} {verb} {group_name}, feedback given")
    return {pk: Progress(done=len(lines), detail=lines) for pk, lines in counted.items()}


def register() -> None:
    from requirements_tracking.providers import register_provider

    register_provider("study_group_attendance", study_group_attendance_progress)
    register_provider("group_facilitation", group_facilitation_progress)
