from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enrollment.models import Phase
from study_groups import selectors, services
from study_groups.models import Attendance, Membership, MembershipStatus

from . import factories as f

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


def _group_with(cast: Any, n: int, capacity: int = 50) -> tuple[Any, list[Any]]:
    group = f.group(cast.mentor, capacity=capacity)
    members = [
        services.membership_add(
            actor=cast.mentor, group=group, participant=f.participant(), at=f.at(2026, 1, 1)
        )
        for _ in range(n)
    ]
    for meeting in group.meetings.filter(starts_at__lt=NOW):
        services.attendance_record(
            actor=cast.mentor,
            meeting=meeting,
            entries={m.pk: ("present" if i % 2 else "absent") for i, m in enumerate(members)},
        )
    return group, members


def _console_queries(cast: Any, n: int) -> tuple[int, Any]:
    group, _ = _group_with(cast, n)
    client = cast.client_for("mentor")
    client.get(reverse("study_groups:detail", args=[group.pk]))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("study_groups:detail", args=[group.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_the_console_query_count_does_not_grow_with_members(cast: Any, frozen: Any) -> None:
    one, response = _console_queries(cast, 1)
    assert response.content.decode().count('data-member="') == 1
    forty, response = _console_queries(cast, 40)
    assert response.content.decode().count('data-member="') == 40
    assert one == forty, f"{one} queries with 1 member, {forty} with 40"


def test_the_console_shows_progress_attendance_this_month_and_behind(cast: Any, frozen: Any) -> None:
    group, _members = _group_with(cast, 2)
    response = cast.client_for("mentor").get(reverse("study_groups:detail", args=[group.pk]))
    html = response.content.decode()
    assert 'data-testid="console"' in html
    assert "2 of 2" in html and "0 of 2" in html  # attendance this month: present twice / absent twice
    assert 'data-testid="behind"' in html


def test_the_mentor_emails_a_reminder_to_those_behind_once(
    cast: Any, frozen: Any, django_capture_on_commit_callbacks: Any, eager_celery: None
) -> None:
    group, _members = _group_with(cast, 2)
    client = cast.client_for("mentor")
    url = reverse("study_groups:remind_behind", args=[group.pk])
    console = selectors.console(group)
    behind = {r.membership.participant.email for r in console.rows if r.behind}
    assert behind  # the absent member at least
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert {to for message in mail.outbox for to in message.to} == behind
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert len(mail.outbox) == len(behind)  # the same day: not again


def test_a_mentor_of_another_group_gets_404(cast: Any, frozen: Any) -> None:
    group, members = _group_with(cast, 1)
    client = cast.client_for("other_mentor")
    assert client.get(reverse("study_groups:detail", args=[group.pk])).status_code == 404
    response = client.post(
        reverse("study_groups:member_remove", args=[group.pk, members[0].pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    assert Membership.objects.get(pk=members[0].pk).status == MembershipStatus.ACTIVE


def test_a_participant_sees_their_group_and_only_their_own_attendance(cast: Any, frozen: Any) -> None:
    group, members = _group_with(cast, 2)
    f.enroll(cast.participant)
    mine = services.membership_add(
        actor=cast.mentor, group=group, participant=cast.participant, at=f.at(2026, 1, 1)
    )
    meeting = group.meetings.filter(starts_at__lt=NOW).last()
    services.attendance_record(actor=cast.mentor, meeting=meeting, entries={mine.pk: "recording"})
    client = cast.client_for("participant")
    html = client.get(reverse("study_groups:detail", args=[group.pk])).content.decode()
    assert 'data-testid="my-attendance"' in html and "Watched the recording" in html
    assert 'data-testid="my-progress"' in html and "1 of 24" in html
    assert 'data-testid="console"' not in html
    assert members[0].participant.email not in html
    assert client.get(reverse("study_groups:meeting", args=[group.pk, meeting.pk])).status_code == 403
    assert (
        cast.client_for("other_participant").get(reverse("study_groups:detail", args=[group.pk])).status_code
        == 404
    )


def test_adding_someone_not_enrolled_on_the_page_explains_and_changes_nothing(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    response = cast.client_for("mentor").post(
        reverse("study_groups:member_add", args=[group.pk]),
        {"email": cast.other_participant.email},
        follow=True,
    )
    assert "no enrolled Phase I enrollment" in response.content.decode()
    assert not Membership.objects.exists()


def test_a_full_group_puts_the_next_person_on_the_waitlist_with_a_message(cast: Any, frozen: Any) -> None:
    group, _ = _group_with(cast, 1, capacity=1)
    person = f.participant()
    response = cast.client_for("mentor").post(
        reverse("study_groups:member_add", args=[group.pk]), {"email": person.email}, follow=True
    )
    assert "is full" in response.content.decode() and "waitlist" in response.content.decode()
    assert Membership.objects.get(participant=person).status == MembershipStatus.WAITLISTED


def test_the_mentor_takes_attendance_on_the_meeting_page(cast: Any, frozen: Any) -> None:
    group, members = _group_with(cast, 1)
    meeting = group.meetings.filter(starts_at__lt=NOW, starts_at__month=2).first()
    client = cast.client_for("mentor")
    url = reverse("study_groups:meeting", args=[group.pk, meeting.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {f"attendance-{members[0].pk}": "present"})
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=meeting).status == "present"


def test_a_trainer_sees_the_group_they_facilitate(cast: Any, frozen: Any) -> None:
    f.enroll(cast.trainer, Phase.PHASE_2, start=date(2025, 6, 1))
    group, _ = _group_with(cast, 1)
    services.facilitation_assign(actor=cast.staff, group=group, trainer=cast.trainer)
    html = cast.client_for("trainer").get(reverse("study_groups:detail", args=[group.pk])).content.decode()
    assert 'data-testid="facilitation-role"' in html and "observer" in html
    assert 'data-testid="console"' not in html


def test_home_panels_show_the_groups(cast: Any, frozen: Any) -> None:
    group, _ = _group_with(cast, 1)
    html = cast.client_for("mentor").get("/").content.decode()
    assert 'data-testid="home-mentor"' in html and group.name in html
    assert 'data-testid="home-trainer"' in cast.client_for("trainer").get("/").content.decode()


def test_staff_create_a_group_on_the_page(cast: Any, frozen: Any) -> None:
    client = cast.client_for("staff")
    assert client.get(reverse("study_groups:create")).status_code == 200
    response = client.post(
        reverse("study_groups:create"),
        {
            "kind": "certification",
            "name": "Thursday group",
            "mentors": [cast.mentor.pk],
            "capacity": 10,
            "recurrence_rule": "FREQ=MONTHLY;BYDAY=TH;BYSETPOS=1,3",
            "starts_on": "2026-04-01",
            "start_time": "15:00",
            "time_zone": "America/New_York",
            "duration_minutes": 60,
        },
    )
    assert response.status_code == 302
    from study_groups.models import StudyGroup

    group = StudyGroup.objects.get(name="Thursday group")
    assert group.meetings.count() > 0
