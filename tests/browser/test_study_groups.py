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
