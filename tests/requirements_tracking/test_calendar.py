"""The private ICS feed: parsed back with icalendar; revocable; other apps add events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from accounts.services import calendar_feed_for
from requirements_tracking import calendar as feed

pytestmark = pytest.mark.django_db


def _events(content: bytes) -> list[Any]:
    return list(Calendar.from_ical(content).walk("VEVENT"))


def test_the_feed_parses_back_with_the_program_calls(cast: Any) -> None:
    token = calendar_feed_for(cast.participant).token
    with time_machine.travel("2026-01-02 12:00:00+00:00", tick=False):
        response = cast.client_for("anonymous").get(
            reverse("requirements_tracking:calendar_ics", args=[token])
        )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = _events(response.content)
    summaries = {str(e["SUMMARY"]) for e in events}
    assert {"NMT Metric / Implementation call", "NN Community call"} <= summaries
    january = next(e for e in events if str(e["UID"]) == "call-metric-2026-01-15@nmt-cert")
    assert january.decoded("DTSTART") == datetime(2026, 1, 15, 20, 0, tzinfo=UTC)
    assert january.decoded("DTEND") - january.decoded("DTSTART") == timedelta(hours=1)
    june = next(e for e in events if str(e["UID"]) == "call-metric-2026-06-18@nmt-cert")
    assert june.decoded("DTSTART") == datetime(2026, 6, 18, 19, 0, tzinfo=UTC)
    assert not any(e.decoded("DTSTART").month in (7, 8) for e in events)


def test_revoking_the_address_stops_the_old_feed(cast: Any) -> None:
    old = calendar_feed_for(cast.participant).token
    client = cast.client_for("participant")
    assert old in client.get(reverse("requirements_tracking:calendar_feed")).content.decode()
    client.post(reverse("requirements_tracking:calendar_feed_rotate"))
    anonymous = cast.client_for("anonymous")
    assert anonymous.get(reverse("requirements_tracking:calendar_ics", args=[old])).status_code == 404
    new = calendar_feed_for(cast.participant).token
    assert new != old
    assert anonymous.get(reverse("requirements_tracking:calendar_ics", args=[new])).status_code == 200


def test_other_apps_add_events_through_register_feed_source(cast: Any) -> None:
    def meetings(user: Any, start: datetime, end: datetime) -> list[Any]:
        if user != cast.participant:
            return []
        when = start + timedelta(days=70)
        return [
            {
                "title": "Study group",
                "start": when,
                "end": when + timedelta(hours=1),
                "uid": "sg-1@nmt-cert",
                "url": "/groups/1/",
                "location": "Online",
            }
        ]

    saved = list(feed.FEED_SOURCES)
    feed.register_feed_source(meetings)
    try:
        events = _events(feed.ics_for(cast.participant))
        others = _events(feed.ics_for(cast.other_participant))
    finally:
        feed.FEED_SOURCES[:] = saved
    group = next(e for e in events if str(e["UID"]) == "sg-1@nmt-cert")
    assert str(group["URL"]).endswith("/groups/1/") and str(group["LOCATION"]) == "Online"
    assert not any(str(e["UID"]) == "sg-1@nmt-cert" for e in others)
