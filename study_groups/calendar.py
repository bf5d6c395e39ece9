"""Study-group meetings in people's private calendar feeds (requirements_tracking.calendar builds the ICS).

Members see their group's meetings, mentors the meetings of the groups they lead, co-facilitators those
of the groups they facilitate. Moved meetings appear at their new time; cancelled ones are marked
cancelled (so calendars that already hold them drop them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from .models import Meeting, MembershipStatus


def meeting_events(user: Any, start: datetime, end: datetime) -> list[Any]:
    """FeedEvents (title, start, end, url, uid, location) for `user`'s study-group meetings in [start, end)."""
    from requirements_tracking.calendar import FeedEvent

    if not getattr(user, "is_authenticated", False):
        return []
    mine = (
        Q(group__mentors=user)
        | Q(group__facilitations__trainer=user, group__facilitations__ended_at__isnull=True)
        | Q(group__memberships__participant=user, group__memberships__status=MembershipStatus.ACTIVE)
    )
    ids = Meeting.objects.filter(mine, starts_at__gte=start, starts_at__lt=end).values("pk")
    meetings = Meeting.objects.filter(pk__in=ids).select_related("group").order_by("starts_at")
    host = settings.SITE_URL.split("://", 1)[-1]
    events = []
    for meeting in meetings:
        group = meeting.group
        title = f"{group.name} ({group.get_kind_display()})"
        events.append(
            FeedEvent(
                title=("Cancelled: " if meeting.is_cancelled else "") + title,
                start=meeting.starts_at,
                end=meeting.ends_at,
                url=settings.SITE_URL + reverse("study_groups:detail", args=[group.pk]),
                uid=f"study-group-meeting-{meeting.pk}@{host}",
                location=group.video_link or "Online",
                description=meeting.note,
                cancelled=meeting.is_cancelled,
            )
        )
    return events


def register() -> None:
    """Hand the feed our events (requirements_tracking owns the feed)."""
    try:
        from requirements_tracking.calendar import register_feed_source
    except ImportError:  # the calendar is not there: nothing to feed
        return
    register_feed_source(meeting_events)
