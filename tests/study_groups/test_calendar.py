from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from requirements_tracking.calendar import events_for, ics_for
from study_groups import services

from . import factories as f

pytestmark = pytest.mark.django_db
START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)


def _mine(user: Any) -> list[Any]:
    return [e for e in events_for(user, START, END) if e.uid.startswith("study-group-meeting-")]


def test_members_and_mentors_get_the_meetings_in_their_feed_and_others_do_not(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    f.enroll(cast.participant)
    services.membership_add(actor=cast.mentor, group=group, participant=cast.participant)
    meetings = list(group.meetings.filter(starts_at__gte=START, starts_at__lt=END))
    services.meeting_cancel(actor=cast.mentor, meeting=meetings[-1], reason="Holiday")

    events = _mine(cast.participant)
    assert len(events) == len(meetings) == 4
    assert events[0].location == "https://video.example.org/g" and events[0].start == meetings[0].starts_at
    assert events[-1].cancelled and events[-1].title.startswith("Cancelled: ")
    assert len(_mine(cast.mentor)) == 4
    assert _mine(cast.other_participant) == [] and _mine(cast.other_mentor) == []
    assert group.name.encode() in ics_for(cast.participant)
