from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.errors import DomainError
from enrollment.models import Phase
from requirements_tracking.providers import PROVIDERS, progress_from
from study_groups import services
from study_groups.models import FacilitationFeedback
from study_groups.selectors import group_access
from study_groups.services import MeetingError

from . import factories as f

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


def _past(group: Any) -> list[Any]:
    return list(group.meetings.filter(starts_at__lt=NOW).order_by("starts_at"))


def test_both_providers_are_registered() -> None:
    assert "study_group_attendance" in PROVIDERS and "group_facilitation" in PROVIDERS


def test_attendance_feeds_checklist_progress_live_or_by_recording(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    member = services.membership_add(
        actor=cast.mentor, group=group, participant=f.participant(), at=f.at(2026, 1, 1)
    )
    meetings = _past(group)  # Jan 6, Jan 20, Feb 3, Feb 17, Mar 3, Mar 17
    as_of = date(2026, 3, 20)
    assert (
        progress_from("study_group_attendance", [member.enrollment], {}, as_of)[member.enrollment.pk].done
        == 0
    )

    for meeting, status in zip(
        meetings, ["present", "recording", "absent", "excused", "present", "present"], strict=True
    ):
        services.attendance_record(actor=cast.mentor, meeting=meeting, entries={member.pk: status})
    progress = progress_from("study_group_attendance", [member.enrollment], {}, as_of)[member.enrollment.pk]
    assert progress.done == 4
    assert progress.detail[0] == "2026-01-06 study group (live)"
    assert progress.detail[1] == "2026-01-20 study group (recording)"
    # As of mid-February only January's two count.
    assert (
        progress_from("study_group_attendance", [member.enrollment], {}, date(2026, 2, 1))[
            member.enrollment.pk
        ].done
        == 2
    )


def test_per_month_caps_what_one_month_contributes(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor, rule="FREQ=WEEKLY;BYDAY=TU")
    member = services.membership_add(
        actor=cast.mentor, group=group, participant=f.participant(), at=f.at(2026, 1, 1)
    )
    january = [m for m in _past(group) if m.starts_at.month == 1]
    assert len(january) == 4
    for meeting in january:
        services.attendance_record(actor=cast.mentor, meeting=meeting, entries={member.pk: "present"})
    e = member.enrollment
    assert progress_from("study_group_attendance", [e], {}, date(2026, 3, 20))[e.pk].done == 4
    assert progress_from("study_group_attendance", [e], {"per_month": 2}, date(2026, 3, 20))[e.pk].done == 2


def test_meetings_before_the_enrollment_started_do_not_count(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    person = f.participant(start=date(2026, 2, 1))
    member = services.membership_add(actor=cast.mentor, group=group, participant=person, at=f.at(2026, 1, 1))
    for meeting in _past(group):
        services.attendance_record(actor=cast.mentor, meeting=meeting, entries={member.pk: "present"})
    assert (
        progress_from("study_group_attendance", [member.enrollment], {}, date(2026, 3, 20))[
            member.enrollment.pk
        ].done
        == 4
    )


def test_the_attendance_provider_answers_for_many_enrollments_in_one_query(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor, capacity=30)
    members = [
        services.membership_add(
            actor=cast.mentor, group=group, participant=f.participant(), at=f.at(2026, 1, 1)
        )
        for _ in range(12)
    ]
    meeting = _past(group)[-1]
    services.attendance_record(actor=cast.mentor, meeting=meeting, entries={m.pk: "present" for m in members})
    enrollments = [m.enrollment for m in members]
    with CaptureQueriesContext(connection) as ctx:
        answer = progress_from("study_group_attendance", enrollments, {"per_month": 2}, date(2026, 3, 20))
    assert len(ctx.captured_queries) == 1
    assert {p.done for p in answer.values()} == {1}


# --- facilitation years ---------------------------------------------------------------------------


def test_facilitation_year_comes_from_the_phase2_enrollment_start(cast: Any) -> None:
    enrollment = f.enroll(cast.trainer, Phase.PHASE_2, start=date(2025, 1, 10))
    assert services.facilitation_year(enrollment, date(2025, 1, 10)) == 1
    assert services.facilitation_year(enrollment, date(2026, 1, 9)) == 1
    assert services.facilitation_role(enrollment, date(2026, 1, 9)) == "observer"
    assert services.facilitation_year(enrollment, date(2026, 1, 10)) == 2
    assert services.facilitation_role(enrollment, date(2026, 1, 10)) == "facilitator"
    assert services.facilitation_role(enrollment, date(2026, 12, 31)) == "facilitator"


def test_only_an_enrolled_phase2_participant_co_facilitates_a_phase1_group(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    with pytest.raises(DomainError, match="no enrolled Phase II/TTT"):
        services.facilitation_assign(actor=cast.staff, group=group, trainer=cast.trainer)
    f.enroll(cast.trainer, Phase.PHASE_2, start=date(2025, 1, 10))
    trainer_group = f.group(cast.mentor, kind="trainer")
    with pytest.raises(DomainError, match="Phase I"):
        services.facilitation_assign(actor=cast.staff, group=trainer_group, trainer=cast.trainer)
    assert services.facilitation_assign(actor=cast.staff, group=group, trainer=cast.trainer).group == group


def test_observers_watch_and_facilitators_take_attendance_and_their_feedback_counts(
    cast: Any, frozen: Any
) -> None:
    # Phase II started 1 March 2025: year 1 until 1 March 2026, year 2 after.
    f.enroll(cast.trainer, Phase.PHASE_2, start=date(2025, 3, 1))
    group = f.group(cast.mentor)
    member = services.membership_add(
        actor=cast.mentor, group=group, participant=f.participant(), at=f.at(2026, 1, 1)
    )
    facilitation = services.facilitation_assign(
        actor=cast.staff, group=group, trainer=cast.trainer, at=f.at(2026, 1, 1)
    )
    february, march = _past(group)[3], _past(group)[4]  # 17 Feb (year 1), 3 Mar (year 2)
    access = group_access(cast.trainer, group)
    assert not access.can_record_attendance(february)
    assert access.can_record_attendance(march)

    observed = services.feedback_submit(
        actor=cast.trainer, meeting=february, facilitation=facilitation, went_well="Warm", to_improve="Pace"
    )
    facilitated = services.feedback_submit(
        actor=cast.trainer, meeting=march, facilitation=facilitation, went_well="Cases", to_improve="Time"
    )
    assert observed.role == FacilitationFeedback.Role.OBSERVER
    assert facilitated.role == FacilitationFeedback.Role.FACILITATOR
    with pytest.raises(MeetingError, match="already"):
        services.feedback_submit(
            actor=cast.trainer, meeting=march, facilitation=facilitation, went_well="x", to_improve="y"
        )
    e = facilitation.enrollment
    assert progress_from("group_facilitation", [e], {}, date(2026, 3, 20))[e.pk].done == 1
    assert (
        progress_from("group_facilitation", [e], {"include_observed": True}, date(2026, 3, 20))[e.pk].done
        == 2
    )
    services.attendance_record(actor=cast.trainer, meeting=march, entries={member.pk: "present"})


def test_feedback_on_a_future_meeting_is_refused(cast: Any, frozen: Any) -> None:
    f.enroll(cast.trainer, Phase.PHASE_2, start=date(2024, 3, 1))
    group = f.group(cast.mentor)
    facilitation = services.facilitation_assign(actor=cast.staff, group=group, trainer=cast.trainer)
    future = group.meetings.filter(starts_at__gt=NOW).first()
    with pytest.raises(MeetingError):
        services.feedback_submit(
            actor=cast.trainer, meeting=future, facilitation=facilitation, went_well="a", to_improve="b"
        )
    assert not FacilitationFeedback.objects.exists()


def test_attendance_moves_the_members_checklist(cast: Any, frozen: Any) -> None:
    from requirements_tracking.selectors import progress_for_enrollments

    group = f.group(cast.mentor)
    member = services.membership_add(
        actor=cast.mentor, group=group, participant=f.participant(), at=f.at(2026, 1, 1)
    )
    e = member.enrollment

    def item() -> Any:
        progress = progress_for_enrollments([e], date(2026, 3, 20))[e.pk]
        return next(i for i in progress.items if i.code == "study_group"), progress.percent

    before, percent_before = item()
    assert before.done == 0 and before.target == 24
    for meeting in _past(group)[:3]:
        services.attendance_record(actor=cast.mentor, meeting=meeting, entries={member.pk: "present"})
    after, percent_after = item()
    assert after.done == 3 and after.automatic
    assert after.detail[0] == "2026-01-06 study group (live)"
    assert percent_after > percent_before


def test_the_trainer_group_counts_only_its_kind(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor, kind="trainer")
    member = services.membership_add(
        actor=cast.mentor, group=group, participant=f.participant(phase=Phase.PHASE_2), at=f.at(2026, 1, 1)
    )
    services.attendance_record(actor=cast.mentor, meeting=_past(group)[0], entries={member.pk: "present"})
    e = member.enrollment
    assert (
        progress_from("study_group_attendance", [e], {"group_kind": "trainer"}, date(2026, 3, 20))[e.pk].done
        == 1
    )
    assert (
        progress_from("study_group_attendance", [e], {"group_kind": "certification"}, date(2026, 3, 20))[
            e.pk
        ].done
        == 0
    )
