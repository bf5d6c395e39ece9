"""Requirement templates (data per policy version and phase), checklists made from them, the entries
participants record, signatures, the policy agreement and the program's recurring calls.

A signed checklist is immutable: the services refuse changes and database triggers (migration 0002)
refuse them too, for the checklist's signature fields, its requirements and its entries.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enrollment.models import Enrollment, Phase, ProgramPolicy


class Kind(models.TextChoices):
    SESSIONS = "sessions", "Numbered sessions"
    ITEMS = "items", "Named items (readings, multimedia)"
    MONTHLY_CALLS = "monthly_calls", "Monthly calls (months covered)"
    METRIC_REPORTS = "metric_reports", "Metric reports by type"
    FIDELITY = "fidelity", "Fidelity exercise"
    STUDY_GROUP = "study_group", "Study-group attendance"
    FACILITATION = "facilitation", "Group facilitation"
    AGREEMENT = "agreement", "Signed policy agreement"
    TRAINER_ACTIVITIES = "trainer_activities", "Trainer's activities"


# Kinds whose progress other apps know better: asked of the provider registered under this source.
KIND_SOURCES: dict[str, str] = {
    Kind.METRIC_REPORTS: "metric_reports",
    Kind.FIDELITY: "fidelity_exercise",
    Kind.STUDY_GROUP: "study_group_attendance",
    Kind.FACILITATION: "group_facilitation",
    Kind.TRAINER_ACTIVITIES: "trainer_activities",
}
# Kinds a participant ticks entry by entry.
MANUAL_KINDS = frozenset({Kind.SESSIONS, Kind.ITEMS})


class Condition(models.TextChoices):
    ALWAYS = "always", "Always"
    PREREQUISITE = "prerequisite", "Only when the Pre-Requisite Series is required"
    PHASE2_TRAINED = "phase2_trained", "Only for Phase II/TTT graduates (trainers)"


class TargetFrom(models.TextChoices):
    FIXED = "fixed", "The target below"
    ITEMS = "items", "The number of items listed"
    MAINTENANCE_REPORTS = "maintenance_reports", "Policy: Maintenance reports by training level"


class RequirementTemplate(models.Model):
    """One requirement of one phase under one policy version, with its target count."""

    policy = models.ForeignKey(ProgramPolicy, on_delete=models.PROTECT, related_name="requirement_templates")
    phase = models.CharField(max_length=20, choices=Phase.choices)
    code = models.SlugField(max_length=50, help_text="Stable identifier within the phase, e.g. core_series")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    target = models.PositiveSmallIntegerField(default=0)
    target_from = models.CharField(max_length=30, choices=TargetFrom.choices, default=TargetFrom.FIXED)
    params = models.JSONField(
        default=dict,
        blank=True,
        help_text='For providers, e.g. {"report_types": ["typical"]}; for calls {"series": ["metric"]}.',
    )
    condition = models.CharField(max_length=20, choices=Condition.choices, default=Condition.ALWAYS)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["policy", "phase", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "phase", "code"], name="reqtemplate_code_unique"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="reqtemplate_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.get_phase_display()} · {self.name}"

    @property
    def source(self) -> str:
        return KIND_SOURCES.get(self.kind, "")


class RequirementTemplateItem(models.Model):
    """A staff-defined item of a named list (a reading, a video)."""

    template = models.ForeignKey(RequirementTemplate, on_delete=models.CASCADE, related_name="items")
    label = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["template", "order", "id"]

    def __str__(self) -> str:
        return self.label


class AttestationText(models.Model):
    """The versioned statement a participant makes when signing a checklist."""

    version = models.PositiveSmallIntegerField(unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Attestation v{self.version}"


class ChecklistStatus(models.TextChoices):
    OPEN = "open", "Open"
    SIGNED = "signed", "Signed, awaiting verification"
    VERIFIED = "verified", "Verified by staff"
    RETURNED = "returned", "Returned for changes"


class Checklist(models.Model):
    """One version of an enrollment's checklist. Returning a signed one opens the next version."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="checklists")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=20, choices=ChecklistStatus.choices, default=ChecklistStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    # The signature (immutable once signed_at is set: database triggers).
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_name = models.CharField(max_length=200, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    signed_user_agent = models.CharField(max_length=500, blank=True)
    attestation = models.ForeignKey(
        AttestationText, null=True, blank=True, on_delete=models.PROTECT, related_name="checklists"
    )
    content_hash = models.CharField(max_length=64, blank=True)
    # Staff review.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["enrollment", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "version"], name="checklist_version_unique"),
            models.CheckConstraint(
                condition=Q(status__in=ChecklistStatus.values), name="checklist_status_valid"
            ),
            # Anything but "open" carries a complete signature.
            models.CheckConstraint(
                condition=Q(status=ChecklistStatus.OPEN)
                | (Q(signed_at__isnull=False) & ~Q(content_hash="") & Q(attestation__isnull=False)),
                name="checklist_signed_has_signature",
            ),
        ]

    def __str__(self) -> str:
        return f"Checklist v{self.version} · {self.enrollment}"

    @property
    def audit_subject_user(self) -> Any:
        return self.enrollment.participant

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class ChecklistRequirement(models.Model):
    """A requirement copied from its template into one checklist (a snapshot: later template edits do
    not change it). The `signed_*` fields keep derived progress as it stood at signing."""

    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="requirements")
    template = models.ForeignKey(
        RequirementTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    target = models.PositiveSmallIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    item_labels = models.JSONField(default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=100)
    signed_done = models.PositiveSmallIntegerField(null=True, blank=True)
    signed_detail = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["checklist", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="checklistreq_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        return KIND_SOURCES.get(self.kind, "")

    @property
    def is_manual(self) -> bool:
        return self.kind in MANUAL_KINDS

    def label_for(self, number: int) -> str:
        if self.kind == Kind.ITEMS and 1 <= number <= len(self.item_labels):
            return str(self.item_labels[number - 1])
        return f"Session {number}"


class Mode(models.TextChoices):
    LIVE = "live", "Live"
    RECORDING = "recording", "Recording"


def evidence_path(instance: ChecklistEntry, filename: str) -> str:
    # Never the participant's file name in the path: it could carry anything.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.requirement.checklist_id}/{uuid.uuid4().hex}.{suffix}"


class ChecklistEntry(models.Model):
    """One session or item a participant recorded."""

    requirement = models.ForeignKey(ChecklistRequirement, on_delete=models.PROTECT, related_name="entries")
    number = models.PositiveSmallIntegerField(help_text="Session number or item number (1-based).")
    completed_on = models.DateField()
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.RECORDING)
    note = models.CharField(max_length=500, blank=True)
    evidence = models.FileField(upload_to=evidence_path, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    evidence_size = models.PositiveIntegerField(default=0)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["requirement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "number"], name="checklistentry_once_per_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="checklistentry_number_positive"),
            models.CheckConstraint(condition=Q(mode__in=Mode.values), name="checklistentry_mode_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.label} on {self.completed_on}"

    @property
    def label(self) -> str:
        return self.requirement.label_for(self.number)

    @property
    def audit_subject_user(self) -> Any:
        return self.requirement.checklist.enrollment.participant


class PolicyAgreement(models.Model):
    """A version of the client-confidentiality and attribution policy. The newest published version is
    the current one; publishing a new version asks everyone to sign again."""

    version = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200, default="Client confidentiality and attribution policy")
    text = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PolicyAgreementSignature(models.Model):
    agreement = models.ForeignKey(PolicyAgreement, on_delete=models.PROTECT, related_name="signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    signed_user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "user"], name="agreementsig_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.user} signed {self.agreement}"

    @property
    def audit_subject_user(self) -> Any:
        return self.user


class CallSeries(models.Model):
    """A recurring program call: a recurrence rule in the series' own time zone."""

    code = models.SlugField(max_length=30, unique=True, help_text='"metric" or "community"')
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    rrule = models.CharField(
        max_length=300,
        help_text="RFC 5545 rule, e.g. FREQ=MONTHLY;BYDAY=+3TH;BYMONTH=1,2,3,4,5,6,9,10,11,12",
    )
    starts_on = models.DateField(help_text="First day the rule applies.")
    local_time = models.TimeField()
    time_zone = models.CharField(max_length=64, default="America/New_York")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    join_url = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "call series"

    def __str__(self) -> str:
        return self.name


class CallOccurrence(models.Model):
    """Staff changes to one occurrence (cancelled, moved, recording attached), and the row attendance
    points at. Occurrences without changes exist only in the rule until someone attends or edits."""

    series = models.ForeignKey(CallSeries, on_delete=models.PROTECT, related_name="occurrences")
    original_date = models.DateField(help_text="The date the rule gives.")
    cancelled = models.BooleanField(default=False)
    moved_to = models.DateTimeField(null=True, blank=True)
    recording_url = models.URLField(blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["original_date"]
        constraints = [
            models.UniqueConstraint(fields=["series", "original_date"], name="calloccurrence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.original_date}"


class CallAttendance(models.Model):
    occurrence = models.ForeignKey(CallOccurrence, on_delete=models.PROTECT, related_name="attendances")
    participant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    call_month = models.DateField(help_text="First day of the month the call took place in.")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-call_month"]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "participant"], name="callattendance_once"),
            models.CheckConstraint(condition=Q(mode__in=Mode.values), name="callattendance_mode_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} at {self.occurrence} ({self.mode})"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant
