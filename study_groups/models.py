"""Study groups: Certification Study Groups (Phase I) and Certification Trainer Study Groups (Phase II/TTT),
their rosters (one membership row per stint, so history is kept), meetings materialized from an RFC 5545
recurrence rule, attendance, and Phase II/TTT trainers co-facilitating Phase I groups.

Status fields change only through study_groups.services.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enrollment.models import Phase


class GroupKind(models.TextChoices):
    CERTIFICATION = "certification", "Certification Study Group"
    TRAINER = "trainer", "Certification Trainer Study Group"


# Which enrollment phase a group of each kind is for.
KIND_PHASE: dict[str, str] = {GroupKind.CERTIFICATION: Phase.PHASE_1, GroupKind.TRAINER: Phase.PHASE_2}

# Suggested meeting patterns for a new group (staff edit them on the form): Phase I meets twice a month
# (1st and 3rd Tuesday), the trainer group once a month (2nd Wednesday).
DEFAULT_RULES: dict[str, str] = {
    GroupKind.CERTIFICATION: "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1,3",
    GroupKind.TRAINER: "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=2",
}


class StudyGroup(models.Model):
    kind = models.CharField(max_length=20, choices=GroupKind.choices)
    name = models.CharField(max_length=150)
    cohort = models.CharField(max_length=100, blank=True, help_text='Cohort or term, e.g. "2026 spring".')
    mentors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="led_study_groups", blank=True)
    capacity = models.PositiveSmallIntegerField(help_text="Members at most; more go to the waitlist.")
    recurrence_rule = models.CharField(
        max_length=500,
        help_text="RFC 5545 RRULE without DTSTART, e.g. FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1,3",
    )
    starts_on = models.DateField(help_text="First day the pattern applies (DTSTART's date).")
    start_time = models.TimeField(help_text="Local start time of each meeting.")
    time_zone = models.CharField(max_length=64, default="America/New_York")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    ends_on = models.DateField(null=True, blank=True, help_text="No meetings on or after this day.")
    video_link = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=GroupKind.values), name="studygroup_kind_valid"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="studygroup_capacity_positive"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="studygroup_duration_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def phase(self) -> str:
        return KIND_PHASE[self.kind]

    @property
    def phase_label(self) -> str:
        return Phase(self.phase).label


class MembershipStatus(models.TextChoices):
    WAITLISTED = "waitlisted", "On the waitlist"
    ACTIVE = "active", "Member"
    ENDED = "ended", "Left"


class Membership(models.Model):
    """One stint of one participant in one group (or on its waitlist). Leaving ends the row; coming back
    makes a new one, so the rows are the history of who was in which group when."""

    group = models.ForeignKey(StudyGroup, on_delete=models.PROTECT, related_name="memberships")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_group_memberships"
    )
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", on_delete=models.PROTECT, related_name="study_group_memberships"
    )
    status = models.CharField(max_length=20, choices=MembershipStatus.choices)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    left_reason = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transferred_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="transferred_from"
    )
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group", "status", "joined_at", "waitlisted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MembershipStatus.values), name="membership_status_valid"
            ),
            # A participant is at most once on a group's roster or waitlist at a time.
            models.UniqueConstraint(
                fields=["group", "participant"],
                condition=Q(status__in=["waitlisted", "active"]),
                name="membership_one_open_per_group",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | (Q(joined_at__isnull=False) & Q(left_at__isnull=True)),
                name="membership_active_has_joined",
            ),
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | Q(waitlisted_at__isnull=False, left_at__isnull=True),
                name="membership_waitlisted_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | Q(left_at__isnull=False), name="membership_ended_has_left"
            ),
        ]
        indexes = [models.Index(fields=["participant", "status"])]

    def __str__(self) -> str:
        return f"{self.participant} in {self.group.name} ({self.get_status_display()})"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant

    def covers(self, moment: datetime) -> bool:
        """Was this stint a membership at `moment` (waitlist time does not count)?"""
        return (
            self.joined_at is not None
            and self.joined_at <= moment
            and (self.left_at is None or self.left_at > moment)
        )


class Facilitation(models.Model):
    """A Phase II/TTT participant assigned to a Phase I group as co-facilitator: observer in the first
    year of their Phase II enrollment, facilitator from the second (see services.facilitation_year)."""

    group = models.ForeignKey(StudyGroup, on_delete=models.PROTECT, related_name="facilitations")
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_group_facilitations"
    )
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", on_delete=models.PROTECT, related_name="study_group_facilitations"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["group", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "trainer"],
                condition=Q(ended_at__isnull=True),
                name="facilitation_one_open_per_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainer} co-facilitating {self.group.name}"

    @property
    def audit_subject_user(self) -> Any:
        return self.trainer

    def covers(self, moment: datetime) -> bool:
        return self.started_at <= moment and (self.ended_at is None or self.ended_at > moment)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(models.Model):
    """One occurrence of a group's pattern. `occurrence` is the start the rule gave it and never
    changes (it makes materializing idempotent); `starts_at` is where it really is (moved or not)."""

    group = models.ForeignKey(StudyGroup, on_delete=models.PROTECT, related_name="meetings")
    occurrence = models.DateTimeField()
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    status = models.CharField(max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    note = models.CharField(max_length=300, blank=True, help_text="Why it moved or was cancelled.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "occurrence"], name="meeting_one_per_occurrence"),
            models.CheckConstraint(condition=Q(status__in=MeetingStatus.values), name="meeting_status_valid"),
        ]
        indexes = [models.Index(fields=["group", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.group.name} · {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_moved(self) -> bool:
        return self.starts_at != self.occurrence

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    def has_started(self, now: datetime | None = None) -> bool:
        return self.starts_at <= (now or timezone.now())


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"
    EXCUSED = "excused", "Excused"
    RECORDING = "recording", "Watched the recording"


# Attended live or by recording: what counts toward the study-group requirement.
COUNTED_ATTENDANCE = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.RECORDING})


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="attendance")
    # Denormalized from the membership so the checklist provider counts by enrollment in one query.
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", on_delete=models.PROTECT, related_name="study_group_attendance"
    )
    status = models.CharField(max_length=20, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "membership"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="attendance_one_per_member"),
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="attendance_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["enrollment", "status"])]

    def __str__(self) -> str:
        return f"{self.membership.participant} · {self.meeting} · {self.get_status_display()}"

    @property
    def audit_subject_user(self) -> Any:
        return self.membership.participant


class FacilitationFeedback(models.Model):
    """What a co-facilitating trainer says after a meeting they facilitated (or observed, in year 1)."""

    class Role(models.TextChoices):
        OBSERVER = "observer", "Observer"
        FACILITATOR = "facilitator", "Facilitator"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="feedback")
    facilitation = models.ForeignKey(Facilitation, on_delete=models.PROTECT, related_name="feedback")
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", on_delete=models.PROTECT, related_name="study_group_feedback"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    went_well = models.TextField()
    to_improve = models.TextField()
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "facilitation"], name="feedback_one_per_meeting"),
        ]

    def __str__(self) -> str:
        return f"Feedback by {self.facilitation.trainer} on {self.meeting}"

    @property
    def audit_subject_user(self) -> Any:
        return self.facilitation.trainer
