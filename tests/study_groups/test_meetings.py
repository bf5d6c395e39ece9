from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from accounts.models import AuditEntry
from study_groups import services
from study_groups.models import Attendance, GroupKind, Meeting, MeetingStatus
from study_groups.services import MeetingError
from study_groups.services.groups import group_update

from . import factories as f

pytestmark = pytest.mark.django_db


def test_a_phase1_group_meets_twice_a_month_at_its_local_time_across_dst(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    starts = list(Meeting.objects.filter(group=group).values_list("starts_at", flat=True))
    by_month: dict[tuple[int, int], int] = {}
    for s in starts:
        by_month[(s.year, s.month)] = by_month.get((s.year, s.month), 0) + 1
    assert [by_month[(2026, m)] for m in range(1, 7)] == [2] * 6  # July is cut by the window
    # 1st and 3rd Tuesday at 3 pm New York: 20:00 UTC in winter, 19:00 UTC after 8 March 2026.
    assert datetime(2026, 3, 3, 20, 0, tzinfo=UTC) in starts
    assert datetime(2026, 3, 17, 19, 0, tzinfo=UTC) in starts
    assert max(starts) < datetime(2026, 7, 19, tzinfo=UTC)  # the 120-day window


def test_a_trainer_group_meets_monthly(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor, kind=GroupKind.TRAINER)
    months = [(s.year, s.month) for s in group.meetings.values_list("starts_at", flat=True)]
    assert len(months) == len(set(months))


def test_materializing_again_makes_nothing_new_and_keeps_moved_and_cancelled_meetings(
    cast: Any, frozen: Any
) -> None:
    group = f.group(cast.mentor)
    count = group.meetings.count()
    future = list(group.meetings.filter(starts_at__gt=datetime(2026, 3, 20, tzinfo=UTC)))
    moved = services.meeting_move(
        actor=cast.mentor, meeting=future[0], starts_at=datetime(2026, 4, 9, 19, tzinfo=UTC), reason="Holiday"
    )
    services.meeting_cancel(actor=cast.mentor, meeting=future[1], reason="Mentor away")
    assert services.meetings_materialize(group=group) == 0
    assert group.meetings.count() == count
    moved.refresh_from_db()
    assert moved.is_moved and moved.note == "Holiday"
    assert Meeting.objects.get(pk=future[1].pk).status == MeetingStatus.CANCELLED
    assert (
        AuditEntry.objects.filter(
            action__in=["study_group.meeting_moved", "study_group.meeting_cancelled"]
        ).count()
        == 2
    )


def test_a_later_window_adds_only_the_new_occurrences(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    before = group.meetings.count()
    made = services.meetings_materialize(group=group, until=datetime(2026, 9, 30, tzinfo=UTC))
    assert made > 0 and group.meetings.count() == before + made


def test_changing_the_pattern_replaces_only_untouched_future_meetings(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    future = list(group.meetings.filter(starts_at__gt=datetime(2026, 3, 20, tzinfo=UTC)))
    services.meeting_cancel(actor=cast.mentor, meeting=future[0], reason="Away")
    past_count = group.meetings.filter(starts_at__lt=datetime(2026, 3, 20, tzinfo=UTC)).count()
    group_update(actor=cast.staff, group=group, recurrence_rule="FREQ=MONTHLY;BYDAY=TH;BYSETPOS=2,4")
    assert group.meetings.filter(starts_at__lt=datetime(2026, 3, 20, tzinfo=UTC)).count() == past_count
    assert Meeting.objects.filter(pk=future[0].pk).exists()  # cancelled: kept
    thursdays = group.meetings.filter(starts_at__gt=datetime(2026, 3, 20, tzinfo=UTC), status="scheduled")
    assert {m.starts_at.astimezone().weekday() for m in thursdays} <= {3, 4}


def test_a_bad_rule_is_refused_with_a_message(cast: Any, frozen: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Meetings repeat daily at most"):
        f.group(cast.mentor, rule="FREQ=HOURLY")


def test_a_meeting_cannot_move_into_the_past(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    meeting = group.meetings.filter(starts_at__gt=datetime(2026, 3, 20, tzinfo=UTC)).first()
    with pytest.raises(MeetingError):
        services.meeting_move(actor=cast.mentor, meeting=meeting, starts_at=datetime(2026, 3, 1, tzinfo=UTC))


# --- attendance -------------------------------------------------------------------------------


def _group_with_member(cast: Any) -> tuple[Any, Any]:
    group = f.group(cast.mentor)
    member = services.membership_add(
        actor=cast.mentor, group=group, participant=f.participant(), at=f.at(2026, 1, 1)
    )
    return group, member


def test_attendance_is_recorded_and_corrected(cast: Any, frozen: Any) -> None:
    group, member = _group_with_member(cast)
    meeting = group.meetings.filter(starts_at__lt=datetime(2026, 3, 20, tzinfo=UTC)).last()
    services.attendance_record(actor=cast.mentor, meeting=meeting, entries={member.pk: "absent"})
    services.attendance_record(actor=cast.mentor, meeting=meeting, entries={member.pk: "recording"})
    row = Attendance.objects.get()
    assert row.status == "recording" and row.enrollment == member.enrollment
    assert AuditEntry.objects.filter(action="study_group.attendance_recorded").count() == 2


def test_attendance_for_a_meeting_that_has_not_happened_is_refused(cast: Any, frozen: Any) -> None:
    group, member = _group_with_member(cast)
    meeting = group.meetings.filter(starts_at__gt=datetime(2026, 3, 20, tzinfo=UTC)).first()
    with pytest.raises(MeetingError, match="has not happened yet"):
        services.attendance_record(actor=cast.mentor, meeting=meeting, entries={member.pk: "present"})
    assert not Attendance.objects.exists()


def test_attendance_for_a_non_member_changes_nothing(cast: Any, frozen: Any) -> None:
    group, member = _group_with_member(cast)
    other_group = f.group(cast.other_mentor)
    stranger = services.membership_add(
        actor=cast.other_mentor, group=other_group, participant=f.participant()
    )
    meeting = group.meetings.filter(starts_at__lt=datetime(2026, 3, 20, tzinfo=UTC)).last()
    with pytest.raises(MeetingError, match="members of the group"):
        services.attendance_record(
            actor=cast.mentor, meeting=meeting, entries={member.pk: "present", stranger.pk: "present"}
        )
    assert not Attendance.objects.exists()


def test_attendance_before_someone_joined_is_refused(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    late = services.membership_add(
        actor=cast.mentor, group=group, participant=f.participant(), at=f.at(2026, 3, 10)
    )
    january = group.meetings.filter(starts_at__lt=datetime(2026, 2, 1, tzinfo=UTC)).first()
    with pytest.raises(MeetingError):
        services.attendance_record(actor=cast.mentor, meeting=january, entries={late.pk: "present"})


def test_a_cancelled_meeting_takes_no_attendance(cast: Any, frozen: Any) -> None:
    group, member = _group_with_member(cast)
    meeting = group.meetings.filter(starts_at__gt=datetime(2026, 3, 20, tzinfo=UTC)).first()
    services.meeting_cancel(actor=cast.mentor, meeting=meeting, reason="Storm")
    frozen.move_to(datetime(2026, 6, 1, tzinfo=UTC))
    with pytest.raises(MeetingError, match="cancelled"):
        services.attendance_record(actor=cast.mentor, meeting=meeting, entries={member.pk: "present"})


def test_ends_on_stops_the_pattern(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    group_update(actor=cast.staff, group=group, ends_on=date(2026, 5, 1))
    assert (
        not group.meetings.filter(starts_at__gte=datetime(2026, 5, 2, tzinfo=UTC), status="scheduled")
        .exclude(attendance__isnull=False)
        .exists()
    )


def test_the_daily_task_fills_the_window_and_is_safe_to_run_twice(cast: Any, frozen: Any) -> None:
    from study_groups.tasks import materialize_all_meetings

    group = f.group(cast.mentor)
    count = group.meetings.count()
    frozen.move_to(datetime(2026, 5, 20, 12, tzinfo=UTC))
    made = materialize_all_meetings()
    assert made > 0 and group.meetings.count() == count + made
    assert materialize_all_meetings() == 0
