"""A mentor takes attendance in the browser and sees the member's progress move."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from study_groups import services
from tests.browser.conftest import browser_sign_in, shot
from tests.study_groups import factories as f
from tests.support import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mentor_takes_attendance_and_sees_progress_move(page: Any) -> None:
    f.ensure_program_data()
    mentor = make_user("mentor-b@example.org", ["mentor"], first_name="Morgan", last_name="Mentor")
    start = timezone.localdate() - timedelta(days=45)
    group = f.group(mentor, starts_on=start, name="Tuesday Certification Study Group")
    joined = datetime.combine(start, time.min, tzinfo=timezone.get_current_timezone())
    people = [f.participant(start=start) for _ in range(3)]
    members = [services.membership_add(actor=mentor, group=group, participant=p, at=joined) for p in people]
    meetings = list(group.meetings.filter(starts_at__lt=timezone.now()).order_by("starts_at"))
    for meeting in meetings[:-1]:  # everything but the latest meeting is recorded already
        services.attendance_record(
            actor=mentor,
            meeting=meeting,
            entries={m.pk: ("present" if i else "absent") for i, m in enumerate(members)},
        )
    latest = meetings[-1]

    browser_sign_in(page, mentor.email, PASSWORD)
    page.goto(f"/groups/{group.pk}/")
    row = page.locator(f'tr[data-member="{people[0].email}"]')
    calls_before = row.get_by_test_id("calls").inner_text()
    percent_before = int(row.get_by_test_id("percent").inner_text().rstrip("%"))
    assert row.get_by_test_id("behind").is_visible()
    shot(page, "study-groups-console-before")

    page.goto(f"/groups/{group.pk}/meetings/{latest.pk}/")
    page.get_by_label(f"{people[0].display_name}: Present").check()
    page.get_by_label(f"{people[1].display_name}: Watched the recording").check()
    page.get_by_label(f"{people[2].display_name}: Excused").check()
    shot(page, "study-groups-attendance")
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_url(f"**/groups/{group.pk}/**")
    assert "Attendance is saved." in page.locator(".messages").inner_text()

    row = page.locator(f'tr[data-member="{people[0].email}"]')
    done, target = (int(x) for x in calls_before.split(" of "))
    assert row.get_by_test_id("calls").inner_text() == f"{done + 1} of {target}"
    assert int(row.get_by_test_id("percent").inner_text().rstrip("%")) >= percent_before
    bar_width = row.locator(".progress-bar").evaluate("el => el.style.width")
    assert bar_width.endswith("%")
    shot(page, "study-groups-console-after")


def test_a_participant_and_a_trainer_see_their_views(page: Any) -> None:
    from enrollment.models import Phase

    f.ensure_program_data()
    mentor = make_user("mentor-c@example.org", ["mentor"], first_name="Morgan", last_name="Mentor")
    start = timezone.localdate() - timedelta(days=45)
    group = f.group(mentor, starts_on=start, name="Evening Certification Study Group")
    joined = datetime.combine(start, time.min, tzinfo=timezone.get_current_timezone())
    member_user = f.participant(start=start)
    member = services.membership_add(actor=mentor, group=group, participant=member_user, at=joined)
    trainer = make_user(
        "trainer-c@example.org", ["trainer", "participant"], first_name="Terry", last_name="Trainer"
    )
    f.enroll(trainer, Phase.PHASE_2, start=start - timedelta(days=400))
    services.facilitation_assign(actor=None, group=group, trainer=trainer, at=joined)
    past = list(group.meetings.filter(starts_at__lt=timezone.now()).order_by("starts_at"))
    for i, meeting in enumerate(past[:-1]):
        services.attendance_record(
            actor=mentor, meeting=meeting, entries={member.pk: ["present", "recording", "absent"][i % 3]}
        )

    browser_sign_in(page, member_user.email, PASSWORD)
    page.goto(f"/groups/{group.pk}/")
    assert page.get_by_test_id("my-attendance").is_visible()
    assert "Terry Trainer" in page.locator("dl").inner_text()
    assert page.get_by_test_id("console").count() == 0
    shot(page, "study-groups-participant")

    page.context.clear_cookies()
    browser_sign_in(page, trainer.email, PASSWORD)
    assert page.get_by_test_id("home-trainer").is_visible()
    page.goto(f"/groups/{group.pk}/")
    assert "facilitator" in page.get_by_test_id("facilitation-role").inner_text()
    page.get_by_test_id("recent-meetings").get_by_role("link", name="give feedback").first.click()
    page.get_by_label("What went well").fill("Members brought their own cases.")
    page.get_by_label("What to do differently").fill("Leave ten minutes for questions.")
    page.get_by_role("button", name="Submit feedback").click()
    assert "feedback is recorded" in page.locator(".messages").inner_text()
    shot(page, "study-groups-trainer")


def test_staff_create_a_group_and_see_it_listed(page: Any) -> None:
    from tests.support import totp_code

    f.ensure_program_data()
    make_user("mentor-d@example.org", ["mentor"], first_name="Mina", last_name="Mentor")
    staff = make_user("staff-d@example.org", ["staff"], mfa=True, first_name="Sam", last_name="Staff")
    browser_sign_in(page, staff.email, PASSWORD, totp=lambda: totp_code(staff))
    page.goto("/groups/new/?kind=certification")
    page.get_by_label("Name").fill("Spring Certification Study Group")
    page.get_by_label("Cohort").fill("2026 spring")
    page.get_by_label("Mentors").select_option(label="Mina Mentor <mentor-d@example.org>")
    page.get_by_label("Capacity").fill("12")
    page.get_by_label("Starts on").fill(timezone.localdate().isoformat())
    page.get_by_label("Start time").fill("15:00")
    shot(page, "study-groups-create")
    page.get_by_role("button", name="Create group").click()
    assert "meetings are scheduled" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("upcoming-meetings").locator("li").count() == 5
    page.goto("/groups/")
    assert page.get_by_role("link", name="Spring Certification Study Group").is_visible()
    shot(page, "study-groups-index-staff")
