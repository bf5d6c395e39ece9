"""Meetings (materialized from the group's pattern, moved or cancelled one at a time), attendance, and
the trainers' feedback after meetings they facilitate."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.services import audit_record

from ..models import (
    Attendance,
    AttendanceStatus,
    Facilitation,
    FacilitationFeedback,
    Meeting,
    MeetingStatus,
    Membership,
    StudyGroup,
)
from ..schedule import occurrences
from .facilitation import facilitation_role


class MeetingError(DomainError):
    code = "meeting"


def meetings_materialize(
    *,
    group: StudyGroup,
    until: datetime | None = None,
    since: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Create the meetings the pattern gives from `since` (default: now; a new group passes its first
    day) until `until` (default: the configured window ahead). Safe to run any number of times: an
    occurrence is made once, and a moved or cancelled meeting keeps its occurrence, so it is not made
    again. Past occurrences are not invented after a pattern change. Returns how many were created."""
    now = now or timezone.now()
    until = until or now + timedelta(days=settings.STUDY_GROUP_MEETING_WINDOW_DAYS)
    if not group.is_active:
        return 0
    starts = occurrences(
        group.recurrence_rule,
        starts_on=group.starts_on,
        start_time=group.start_time,
        time_zone=group.time_zone,
        after=since or now,
        before=until,
        ends_on=group.ends_on,
    )
    existing = set(Meeting.objects.filter(group=group).values_list("occurrence", flat=True))
    new = [
        Meeting(group=group, occurrence=s, starts_at=s, duration_minutes=group.duration_minutes)
        for s in starts
        if s not in existing
    ]
    # ignore_conflicts: two runs at once (a worker and a page) both try the same occurrences.
    Meeting.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def meetings_clear_future_unchanged(*, group: StudyGroup, now: datetime | None = None) -> int:
    """After the pattern changes: drop future meetings nobody touched (not moved, not cancelled, no
    attendance or feedback) so the new pattern can be materialized."""
    now = now or timezone.now()
    qs = Meeting.objects.filter(group=group, starts_at__gt=now, status=MeetingStatus.SCHEDULED).filter(
        attendance__isnull=True, feedback__isnull=True
    )
    ids = [m.pk for m in qs if not m.is_moved]
    Meeting.objects.filter(pk__in=ids).delete()
    return len(ids)


def _lock_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)


@transaction.atomic
def meeting_move(*, actor: Any, meeting: Meeting, starts_at: datetime, reason: str = "") -> Meeting:
    meeting = _lock_meeting(meeting)
    if meeting.is_cancelled:
        raise MeetingError("A cancelled meeting cannot be moved. Nothing was changed.")
    if timezone.is_naive(starts_at):
        raise MeetingError("Give the new time with its time zone.", code="invalid")
    if meeting.attendance.exists():
        raise MeetingError("Attendance is recorded for this meeting: it cannot move. Nothing was changed.")
    if starts_at < timezone.now():
        raise MeetingError(
            "Move a meeting to a time that has not passed. Nothing was changed.", code="invalid"
        )
    old = meeting.starts_at
    meeting.starts_at = starts_at
    meeting.note = reason.strip()[:300]
    meeting.changed_by = actor if getattr(actor, "is_authenticated", False) else None
    meeting.save(update_fields=["starts_at", "note", "changed_by"])
    audit_record(
        actor=actor,
        action="study_group.meeting_moved",
        target=meeting,
        reason=reason,
        changes={"starts_at": [old.isoformat(), starts_at.isoformat()], "group": meeting.group.name},
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: Meeting, reason: str) -> Meeting:
    meeting = _lock_meeting(meeting)
    if not (reason or "").strip():
        raise MeetingError("Say why the meeting is cancelled. Nothing was changed.", code="invalid")
    if meeting.is_cancelled:
        raise MeetingError("This meeting is already cancelled.")
    if meeting.attendance.exists():
        raise MeetingError("Attendance is recorded for this meeting: it cannot be cancelled.")
    meeting.status = MeetingStatus.CANCELLED
    meeting.note = reason.strip()[:300]
    meeting.changed_by = actor if getattr(actor, "is_authenticated", False) else None
    meeting.save(update_fields=["status", "note", "changed_by"])
    audit_record(
        actor=actor,
        action="study_group.meeting_cancelled",
        target=meeting,
        reason=reason,
        changes={"status": [MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED], "group": meeting.group.name},
    )
    return meeting


def members_at(meeting: Meeting) -> list[Membership]:
    """The memberships whose stint covered the meeting's start: the people attendance is taken for."""
    candidates = (
        Membership.objects.filter(group_id=meeting.group_id, joined_at__lte=meeting.starts_at)
        .select_related("participant", "enrollment")
        .order_by("participant__last_name", "participant__first_name", "id")
    )
    return [m for m in candidates if m.covers(meeting.starts_at)]


@transaction.atomic
def attendance_record(
    *, actor: Any, meeting: Meeting, entries: dict[int, str], now: datetime | None = None
) -> list[Attendance]:
    """Record (or correct) attendance for several members of one meeting: all or nothing.

    `entries` maps membership id → AttendanceStatus. Refused for a meeting that has not started, a
    cancelled one, or anyone who was not a member when it took place."""
    now = now or timezone.now()
    meeting = _lock_meeting(meeting)
    if meeting.is_cancelled:
        raise MeetingError("This meeting was cancelled: there is no attendance to record.")
    if not meeting.has_started(now):
        raise MeetingError(
            "This meeting has not happened yet: record attendance once it has started. Nothing was changed.",
            code="meeting_in_future",
        )
    if not entries:
        raise MeetingError("Mark at least one member.", code="invalid")
    bad_status = [s for s in entries.values() if s not in AttendanceStatus.values]
    if bad_status:
        raise MeetingError(f"Unknown attendance status: {bad_status[0]}.", code="invalid")
    members = {m.pk: m for m in members_at(meeting)}
    strangers = [pk for pk in entries if pk not in members]
    if strangers:
        raise MeetingError(
            "Attendance can only be recorded for people who were members of the group at the meeting. "
            "Nothing was changed.",
            code="not_a_member",
        )
    existing = {a.membership_id: a for a in Attendance.objects.filter(meeting=meeting)}
    recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    saved: list[Attendance] = []
    changes: dict[str, Any] = {}
    for pk, status in entries.items():
        row = existing.get(pk)
        if row is None:
            row = Attendance.objects.create(
                meeting=meeting,
                membership=members[pk],
                enrollment=members[pk].enrollment,
                status=status,
                recorded_by=recorded_by,
                recorded_at=now,
            )
            changes[members[pk].participant.email] = status
        elif row.status != status:
            changes[members[pk].participant.email] = [row.status, status]
            row.status, row.recorded_by, row.recorded_at = status, recorded_by, now
            row.save(update_fields=["status", "recorded_by", "recorded_at"])
        saved.append(row)
    if changes:
        audit_record(
            actor=actor,
            action="study_group.attendance_recorded",
            target=meeting,
            changes={"group": meeting.group.name, "attendance": changes},
        )
    return saved


@transaction.atomic
def feedback_submit(
    *,
    actor: Any,
    meeting: Meeting,
    facilitation: Facilitation,
    went_well: str,
    to_improve: str,
    now: datetime | None = None,
) -> FacilitationFeedback:
    """A co-facilitating trainer's feedback on a meeting of their group that has taken place."""
    now = now or timezone.now()
    meeting = _lock_meeting(meeting)
    if facilitation.group_id != meeting.group_id or facilitation.trainer_id != getattr(actor, "pk", None):
        raise MeetingError(
            "Only the group's co-facilitator gives feedback on its meetings.", code="not_allowed"
        )
    if meeting.is_cancelled or not meeting.has_started(now):
        raise MeetingError("Feedback is given after a meeting that took place. Nothing was changed.")
    if not facilitation.covers(meeting.starts_at):
        raise MeetingError("You were not assigned to this group when the meeting took place.")
    if not went_well.strip() or not to_improve.strip():
        raise MeetingError("Fill in both what went well and what to improve.", code="invalid")
    if FacilitationFeedback.objects.filter(meeting=meeting, facilitation=facilitation).exists():
        raise MeetingError("You already gave feedback on this meeting.", code="already_given")
    role = facilitation_role(facilitation.enrollment, meeting.starts_at.date())
    feedback = FacilitationFeedback.objects.create(
        meeting=meeting,
        facilitation=facilitation,
        enrollment=facilitation.enrollment,
        role=role,
        went_well=went_well.strip(),
        to_improve=to_improve.strip(),
        submitted_at=now,
    )
    audit_record(
        actor=actor,
        action="study_group.feedback_submitted",
        target=feedback,
        changes={"group": meeting.group.name, "meeting": meeting.pk, "role": role},
    )
    return feedback
