"""Each user's private calendar feed (ICS): the program's calls, plus whatever other apps add.

Other apps register a source in their AppConfig.ready():

    from requirements_tracking.calendar import FeedEvent, register_feed_source

    def my_group_meetings(user, start, end):  # aware datetimes
        return [FeedEvent(title=..., start=..., end=..., url=..., uid=..., location=...)]

    register_feed_source(my_group_meetings)

A source may return FeedEvent objects or dicts with the same keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from .schedule import occurrences_between


@dataclass(frozen=True)
class FeedEvent:
    title: str
    start: datetime  # aware
    end: datetime  # aware
    url: str = ""
    uid: str = ""
    location: str = ""
    description: str = ""
    cancelled: bool = False


FeedSource = Callable[[Any, datetime, datetime], Iterable[Any]]
FEED_SOURCES: list[FeedSource] = []

# How far back and ahead a feed reaches.
FEED_DAYS_BACK = 60
FEED_DAYS_AHEAD = 400


def register_feed_source(fn: FeedSource) -> FeedSource:
    if fn not in FEED_SOURCES:
        FEED_SOURCES.append(fn)
    return fn


def _absolute(path: str) -> str:
    if path.startswith("http"):
        return path
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _as_event(item: Any) -> FeedEvent:
    if isinstance(item, FeedEvent):
        return item
    return FeedEvent(**{k: item[k] for k in FeedEvent.__dataclass_fields__ if k in item})


def call_events(user: Any, start: datetime, end: datetime) -> list[FeedEvent]:
    calls_url = reverse("requirements_tracking:calls")
    events = []
    for occ in occurrences_between(start, end):
        description = occ.series.description
        if occ.recording_url:
            description += f"\nRecording: {occ.recording_url}"
        if occ.note:
            description += f"\n{occ.note}"
        events.append(
            FeedEvent(
                title=("Cancelled: " if occ.cancelled else "") + occ.series.name,
                start=occ.starts_at,
                end=occ.ends_at,
                url=_absolute(calls_url),
                uid=occ.uid,
                location=occ.series.join_url or "Online",
                description=description.strip(),
                cancelled=occ.cancelled,
            )
        )
    return events


def events_for(user: Any, start: datetime, end: datetime) -> list[FeedEvent]:
    events = call_events(user, start, end)
    for source in FEED_SOURCES:
        events.extend(_as_event(e) for e in source(user, start, end))
    return sorted(events, key=lambda e: e.start)


def feed_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now - timedelta(days=FEED_DAYS_BACK), now + timedelta(days=FEED_DAYS_AHEAD)


def ics_for(user: Any, now: datetime | None = None) -> bytes:
    start, end = feed_window(now)
    cal = Calendar()
    cal.add("prodid", "-//Neurosequential Network//nmt-cert//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "NMT certification")
    stamp = (now or timezone.now()).astimezone(UTC)
    for e in events_for(user, start, end):
        ev = Event()
        ev.add("uid", e.uid or f"{e.title}-{e.start.isoformat()}@nmt-cert")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", e.start.astimezone(UTC))
        ev.add("dtend", e.end.astimezone(UTC))
        ev.add("summary", e.title)
        if e.url:
            ev.add("url", _absolute(e.url))
        if e.location:
            ev.add("location", e.location)
        if e.description:
            ev.add("description", e.description)
        ev.add("status", "CANCELLED" if e.cancelled else "CONFIRMED")
        cal.add_component(ev)
    return cal.to_ical()
