"""Reads shared by the pages and the API: who may see which group, the mentor console's rows, the
participant's view. Another person's group answers 404."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.roles import is_staff_member

from .models import (
    COUNTED_ATTENDANCE,
    Attendance,
    Facilitation,
    FacilitationFeedback,
    Meeting,
    MeetingStatus,
    Membership,
    MembershipStatus,
    StudyGroup,
)
from .services.facilitation import facilitation_role

OPEN = [MembershipStatus.ACTIVE, MembershipStatus.WAITLISTED]


def groups_visible_to(user: Any) -> QuerySet[StudyGroup]:
    qs = StudyGroup.objects.all()
    if is_staff_member(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    ids = (
        StudyGroup.objects.filter(
            Q(mentors=user)
            | Q(facilitations__trainer=user, facilitations__ended_at__isnull=True)
            | Q(memberships__participant=user, memberships__status__in=OPEN)
        )
        .values("pk")
        .distinct()
    )
    return qs.filter(pk__in=ids)


@dataclass
class GroupAccess:
    """What one person may do with one group."""

    group: StudyGroup
    is_staff: bool = False
    is_mentor: bool = False
    facilitation: Facilitation | None = None
    membership: Membership | None = None

    @property
    def can_manage(self) -> bool:
        """Roster, meetings, reminders; members' progress."""
        return self.is_staff or self.is_mentor

    @property
    def can_see_roster(self) -> bool:
        return self.can_manage or self.facilitation is not None

    def can_record_attendance(self, meeting: Meeting) -> bool:
        """Mentors, staff, and a trainer who facilitates (not observes) at the meeting's date."""
        if self.can_manage:
            return True
        f = self.facilitation
        return (
            f is not None
            and f.covers(meeting.starts_at)
            and facilitation_role(f.enrollment, meeting.starts_at.date())
            == FacilitationFeedback.Role.FACILITATOR
        )


def group_access(user: Any, group: StudyGroup) -> GroupAccess:
    access = GroupAccess(group=group, is_staff=is_staff_member(user))
    if not getattr(user, "is_authenticated", False):
        return access
    access.is_mentor = group.mentors.filter(pk=user.pk).exists()
    access.facilitation = (
        Facilitation.objects.filter(group=group, trainer=user, ended_at__isnull=True)
        .select_related("enrollment")
        .first()
    )
    access.membership = (
        Membership.objects.filter(group=group, participant=user, status__in=OPEN)
        .select_related("enrollment")
        .first()
    )
    return access


def get_group_for_user(user: Any, pk: int) -> tuple[StudyGroup, GroupAccess]:
    """A group the user may see, with what they may do. Anyone else's group answers 404."""
    group = groups_visible_to(user).filter(pk=pk).first()
    if group is None:
        raise Http404("No such study group.")
    return group, group_access(user, group)


def get_managed_group(user: Any, pk: int) -> tuple[StudyGroup, GroupAccess]:
    """A group the user leads (or any, for staff): 404 if they cannot see it, 403 if they only see it."""
    group, access = get_group_for_user(user, pk)
    if not access.can_manage:
        raise PermissionDenied("Only the group's mentors and NMN staff change it.")
    return group, access


def get_membership(group: StudyGroup, pk: int) -> Membership:
    membership = (
        Membership.objects.filter(group=group, pk=pk)
        .select_related("participant", "enrollment", "group")
        .first()
    )
    if membership is None:
        raise Http404("No such member in this group.")
    return membership


def get_meeting(group: StudyGroup, pk: int) -> Meeting:
    meeting = Meeting.objects.filter(group=group, pk=pk).select_related("group").first()
    if meeting is None:
        raise Http404("No such meeting in this group.")
    return meeting


def month_bounds(group: StudyGroup, today: date) -> tuple[datetime, datetime]:
    """The calendar month containing `today`, in the group's time zone, as aware datetimes."""
    tz = zoneinfo.ZoneInfo(group.time_zone)
    first = date(today.year, today.month, 1)
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return datetime.combine(first, time.min, tzinfo=tz), datetime.combine(nxt, time.min, tzinfo=tz)


def upcoming_meetings(group: StudyGroup, *, now: datetime | None = None, limit: int = 5) -> list[Meeting]:
    now = now or timezone.now()
    return list(
        Meeting.objects.filter(
            group=group, starts_at__gte=now - timedelta(minutes=group.duration_minutes)
        ).order_by("starts_at")[:limit]
    )


def recent_meetings(group: StudyGroup, *, now: datetime | None = None, limit: int = 6) -> list[Meeting]:
    now = now or timezone.now()
    return list(
        Meeting.objects.filter(group=group, starts_at__lte=now, status=MeetingStatus.SCHEDULED).order_by(
            "-starts_at"
        )[:limit]
    )


# --- the mentor console ---------------------------------------------------------------------------


@dataclass
class MemberRow:
    membership: Membership
    attended_this_month: int = 0
    held_this_month: int = 0
    percent: int | None = None
    behind: bool = False
    complete: bool = False
    fidelity: str = ""
    # The study-group requirement of the member's checklist (done of target), when the checklist is there.
    calls_done: int | None = None
    calls_target: int | None = None


@dataclass
class Console:
    group: StudyGroup
    rows: list[MemberRow]
    waitlist: list[Membership]
    progress_source: str  # "checklist" (requirements_tracking) or "attendance" (fallback)
    fidelity_available: bool
    held_this_month: list[Meeting] = field(default_factory=list)

    @property
    def behind_ids(self) -> list[int]:
        return [r.membership.pk for r in self.rows if r.behind]


def _checklist_progress(enrollments: Sequence[Any], as_of: date) -> dict[int, Any] | None:
    try:
        from requirements_tracking.selectors import progress_for_enrollments
    except ImportError:
        return None
    return progress_for_enrollments(enrollments, as_of)


def fidelity_for(enrollments: Sequence[Any], today: date) -> dict[int, str] | None:
    """Each enrollment's fidelity-exercise state as a label (metrics_tokens answers, in one query)."""
    try:
        from metrics_tokens.selectors import FIDELITY_LABELS, fidelity_status_for_enrollments
    except ImportError:
        return None
    codes = fidelity_status_for_enrollments(enrollments, today)
    return {pk: str(FIDELITY_LABELS.get(code, code)) for pk, code in codes.items()}


def _attendance_rate(memberships: Sequence[Membership], now: datetime) -> dict[int, tuple[int, int]]:
    """Fallback progress: (attended, held) since each member joined. Two queries for any number."""
    if not memberships:
        return {}
    group_id = memberships[0].group_id
    earliest = min(m.joined_at for m in memberships if m.joined_at)
    held = list(
        Meeting.objects.filter(
            group_id=group_id, status=MeetingStatus.SCHEDULED, starts_at__gte=earliest, starts_at__lte=now
        ).values_list("pk", "starts_at")
    )
    attended = set(
        Attendance.objects.filter(
            membership__in=[m.pk for m in memberships], status__in=sorted(COUNTED_ATTENDANCE)
        ).values_list("membership_id", "meeting_id")
    )
    answer = {}
    for m in memberships:
        mine = [pk for pk, starts in held if m.covers(starts)]
        answer[m.pk] = (sum((m.pk, pk) in attended for pk in mine), len(mine))
    return answer


def console(group: StudyGroup, *, now: datetime | None = None) -> Console:
    """Everything the mentor console shows, in a fixed number of queries whatever the roster's size."""
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(group.time_zone)
    today = now.astimezone(tz).date()
    open_members = list(
        Membership.objects.filter(group=group, status__in=OPEN)
        .select_related("participant", "enrollment", "enrollment__policy")
        .prefetch_related(Prefetch("enrollment__policy__phase_rules"))
        .order_by("waitlisted_at", "participant__last_name", "participant__first_name", "id")
    )
    members = [m for m in open_members if m.status == MembershipStatus.ACTIVE]
    waitlist = [m for m in open_members if m.status == MembershipStatus.WAITLISTED]
    start, end = month_bounds(group, today)
    held = list(
        Meeting.objects.filter(
            group=group, status=MeetingStatus.SCHEDULED, starts_at__gte=start, starts_at__lt=min(end, now)
        ).order_by("starts_at")
    )
    counted: dict[int, int] = defaultdict(int)
    for membership_id in Attendance.objects.filter(
        meeting__in=[m.pk for m in held],
        membership__in=[m.pk for m in members],
        status__in=sorted(COUNTED_ATTENDANCE),
    ).values_list("membership_id", flat=True):
        counted[membership_id] += 1
    enrollments = [m.enrollment for m in members]
    progress = _checklist_progress(enrollments, today) if members else {}
    fidelity = fidelity_for(enrollments, today) if members else {}
    rates = _attendance_rate(members, now) if progress is None else {}
    rows = []
    for m in members:
        row = MemberRow(
            membership=m,
            attended_this_month=counted[m.pk],
            held_this_month=sum(1 for meeting in held if m.covers(meeting.starts_at)),
        )
        if progress is not None:
            p = progress.get(m.enrollment_id)
            if p is not None:
                row.percent = round(getattr(p, "percent", 0))
                row.behind = bool(getattr(p, "behind", False))
                row.complete = bool(getattr(p, "complete", False))
                item = next((i for i in getattr(p, "items", []) if i.kind == "study_group"), None)
                if item is not None:
                    row.calls_done, row.calls_target = item.done, item.target
        else:
            attended, total = rates.get(m.pk, (0, 0))
            row.percent = round(100 * attended / total) if total else 100
            margin = m.enrollment.policy.behind_schedule_margin_percent
            row.behind = total > 0 and row.percent < 100 - margin
            row.complete = False
        if fidelity:
            row.fidelity = fidelity.get(m.enrollment_id, "")
        rows.append(row)
    return Console(
        group=group,
        rows=rows,
        waitlist=waitlist,
        progress_source="attendance" if progress is None else "checklist",
        fidelity_available=fidelity is not None,
        held_this_month=held,
    )


# --- the participant's view -----------------------------------------------------------------------


def my_attendance(membership: Membership, *, limit: int = 12) -> list[tuple[Meeting, str]]:
    """The meetings held during this stint, newest first, with the member's attendance (or "")."""
    now = timezone.now()
    meetings = [
        m
        for m in Meeting.objects.filter(
            group_id=membership.group_id, starts_at__lte=now, starts_at__gte=membership.joined_at or now
        ).order_by("-starts_at")[:limit]
        if membership.covers(m.starts_at)
    ]
    marks = dict(
        Attendance.objects.filter(membership=membership, meeting__in=[m.pk for m in meetings]).values_list(
            "meeting_id", "status"
        )
    )
    return [(m, marks.get(m.pk, "")) for m in meetings]


@dataclass
class OwnProgress:
    percent: int
    behind: bool
    calls_done: int | None
    calls_target: int | None


def own_progress(membership: Membership) -> OwnProgress | None:
    """The member's own checklist progress (shown to them only), if the checklist is there."""
    today = timezone.localdate()
    answer = _checklist_progress([membership.enrollment], today)
    p = (answer or {}).get(membership.enrollment_id)
    if p is None:
        return None
    item = next((i for i in getattr(p, "items", []) if i.kind == "study_group"), None)
    return OwnProgress(
        percent=round(getattr(p, "percent", 0)),
        behind=bool(getattr(p, "behind", False)),
        calls_done=item.done if item else None,
        calls_target=item.target if item else None,
    )


def memberships_of(user: Any) -> list[Membership]:
    return list(
        Membership.objects.filter(participant=user, status__in=OPEN)
        .select_related("group", "enrollment")
        .prefetch_related("group__mentors")
        .order_by("group__kind")
    )


def facilitations_of(user: Any) -> list[Facilitation]:
    return list(
        Facilitation.objects.filter(trainer=user, ended_at__isnull=True)
        .select_related("group", "enrollment")
        .prefetch_related("group__mentors")
    )


def active_facilitators(group: StudyGroup) -> list[Facilitation]:
    return list(
        Facilitation.objects.filter(group=group, ended_at__isnull=True).select_related(
            "trainer", "enrollment"
        )
    )


def current_members(group: StudyGroup) -> list[Membership]:
    """Names only (what a co-facilitator sees): no one's progress."""
    return list(
        Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE)
        .select_related("participant")
        .order_by("participant__last_name", "participant__first_name", "id")
    )


def roster_history(group: StudyGroup) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(group=group)
        .select_related("participant", "added_by", "ended_by", "transferred_to__group")
        .order_by("-id")
    )
