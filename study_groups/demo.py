"""Demo study groups (idempotent). Runs after the enrollment and requirements demos: it puts the demo
participants who have an enrolled Phase I enrollment into a Certification Study Group led by
mentor@example.org, with trainer@example.org co-facilitating when they have a Phase II/TTT enrollment,
records some attendance, and makes a Certification Trainer Study Group."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from accounts.demo import demo_user
from accounts.models import User

from . import services
from .models import (
    DEFAULT_RULES,
    Facilitation,
    GroupKind,
    Meeting,
    MeetingStatus,
    Membership,
    MembershipStatus,
    StudyGroup,
)

PHASE1_GROUP = "Tuesday Certification Study Group"
TRAINER_GROUP = "Trainer Study Group (Wednesdays)"
PATTERN = ["present", "present", "recording", "absent", "present", "excused"]


def _user(email: str) -> User | None:
    try:
        return demo_user(email)
    except User.DoesNotExist:
        return None


def _group(name: str, kind: str, mentor: User, starts_on: Any, out: Any) -> StudyGroup:
    group = StudyGroup.objects.filter(name=name).first()
    if group is None:
        group = services.group_create(
            actor=None,
            kind=kind,
            name=name,
            cohort="Demo cohort",
            mentors=[mentor],
            capacity=12 if kind == GroupKind.CERTIFICATION else 8,
            recurrence_rule=DEFAULT_RULES[kind],
            starts_on=starts_on,
            start_time=time(15, 0),
            time_zone="America/New_York",
            video_link="https://video.example.org/nmt-demo-" + kind,
        )
        if out is not None:
            out.write(f"  created study group {name}\n")
    else:
        services.meetings_materialize(group=group)
    return group


def _join(group: StudyGroup, email: str, joined_at: datetime) -> Membership | None:
    person = _user(email)
    if person is None or services.eligible_enrollment(person, group) is None:
        return None
    open_row = Membership.objects.filter(
        participant=person, group=group, status__in=[MembershipStatus.ACTIVE, MembershipStatus.WAITLISTED]
    ).first()
    if open_row is not None:
        return open_row
    if Membership.objects.filter(
        participant=person, group__kind=group.kind, status=MembershipStatus.ACTIVE
    ).exists():
        return None  # placed elsewhere by someone: leave it
    return services.membership_add(
        actor=None, group=group, participant=person, reason="demo data", at=joined_at
    )


def _attendance(group: StudyGroup, members: list[Membership], mentor: User) -> None:
    now = timezone.now()
    past = list(
        Meeting.objects.filter(group=group, status=MeetingStatus.SCHEDULED, starts_at__lt=now).order_by(
            "starts_at"
        )
    )
    # Leave the most recent meeting open so the mentor has attendance to take in the demo.
    for index, meeting in enumerate(past[:-1]):
        entries = {}
        for offset, m in enumerate(members):
            if m.covers(meeting.starts_at) and not meeting.attendance.filter(membership=m).exists():
                entries[m.pk] = PATTERN[(index + offset * 3) % len(PATTERN)]
        if entries:
            services.attendance_record(actor=mentor, meeting=meeting, entries=entries)


def seed(out: Any = None) -> None:
    mentor = _user("mentor@example.org")
    if mentor is None:
        return
    today = timezone.localdate()
    start = today.replace(day=1) - timedelta(days=75)
    joined_at = datetime.combine(start, time.min, tzinfo=timezone.get_current_timezone())

    phase1 = _group(PHASE1_GROUP, GroupKind.CERTIFICATION, mentor, start, out)
    members = [
        m
        for m in (
            _join(phase1, e, joined_at) for e in ("participant@example.org", "participant2@example.org")
        )
        if m
    ]
    members = [m for m in members if m.status == MembershipStatus.ACTIVE]
    _attendance(phase1, members, mentor)

    trainer = _user("trainer@example.org")
    trainer_group = _group(TRAINER_GROUP, GroupKind.TRAINER, mentor, start, out)
    if trainer is not None and services.phase2_enrollment(trainer) is not None:
        if not Facilitation.objects.filter(group=phase1, trainer=trainer, ended_at__isnull=True).exists():
            services.facilitation_assign(
                actor=None, group=phase1, trainer=trainer, reason="demo data", at=joined_at
            )
        trainee = _join(trainer_group, "trainer@example.org", joined_at)
        if trainee is not None and trainee.status == MembershipStatus.ACTIVE:
            _attendance(trainer_group, [trainee], mentor)
    if out is not None:
        out.write(f"  study groups: {len(members)} Phase I member(s) in {phase1.name}\n")
