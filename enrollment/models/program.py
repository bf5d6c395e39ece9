"""Program policy (versioned), participants' profiles and organizations, and enrollments in phases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..dates import add_months


class Phase(models.TextChoices):
    PHASE_1 = "phase1", "Phase I"
    PHASE_2 = "phase2", "Phase II/TTT"
    MAINTENANCE = "maintenance", "Maintenance"
    RECERTIFICATION = "recertification", "Re-Certification"


TRAINING_PHASES = frozenset({Phase.PHASE_1, Phase.PHASE_2})


class ProgramPolicy(models.Model):
    """One version of the program's rules ("December 2025"). Enrollments pin the version they start
    under; a version that any enrollment uses is not edited in place: staff make a new version."""

    name = models.CharField(max_length=100, unique=True, help_text='e.g. "December 2025"')
    effective_from = models.DateField(help_text="New enrollments starting on or after this date use it.")
    is_active = models.BooleanField(
        default=True, help_text="Only active versions are chosen for new enrollments."
    )
    notes = models.TextField(blank=True)

    lapse_threshold_months = models.PositiveSmallIntegerField(
        default=12, help_text="Maintenance ended longer ago than this: Re-Certification before renewing."
    )
    maintenance_start_window_months = models.PositiveSmallIntegerField(
        default=12,
        help_text="Phase I or II completed with no Maintenance started within this: Re-Certification.",
    )
    reminder_days = models.JSONField(
        default=list,
        blank=True,
        help_text="Days before a deadline on which reminders go out, e.g. [60, 30, 7].",
    )
    behind_schedule_margin_percent = models.PositiveSmallIntegerField(
        default=10,
        help_text="A participant is behind when progress lags the share of the term elapsed by more than this.",
    )
    tokens_expire_at_year_end = models.BooleanField(default=True)
    maintenance_reports_after_phase1 = models.PositiveSmallIntegerField(default=5)
    maintenance_reports_after_phase2 = models.PositiveSmallIntegerField(default=10)
    site_certification_threshold = models.PositiveSmallIntegerField(
        default=7,
        help_text="Organizations with this many clinicians are candidates for Site Training Certification.",
    )
    certificate_wording = models.TextField(
        blank=True,
        default=(
            "Certification attests exposure to and participation in training activities. It is not a "
            "certification of clinical competence or skill, and it confers no special affiliation with, "
            "or endorsement by, the Neurosequential Network."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name_plural = "program policies"

    def __str__(self) -> str:
        return self.name

    def rule(self, phase: str) -> PhaseRule:
        cache = getattr(self, "_rules", None)
        if cache is None:
            cache = {r.phase: r for r in self.phase_rules.all()}
            self._rules = cache
        return cache[phase]


class PhaseRule(models.Model):
    """The numbers of one phase under one policy version (see DOMAIN.md's phase table)."""

    policy = models.ForeignKey(ProgramPolicy, on_delete=models.PROTECT, related_name="phase_rules")
    phase = models.CharField(max_length=20, choices=Phase.choices)
    term_months = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    free_extension_months = models.PositiveSmallIntegerField(default=0)
    continuation_fee = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("0"))
    continuation_months = models.PositiveSmallIntegerField(
        default=0, help_text="Time one continuation fee buys."
    )
    fee = models.DecimalField(max_digits=9, decimal_places=2)
    tokens_unlimited = models.BooleanField(default=False)
    tokens_per_year = models.PositiveSmallIntegerField(default=0)
    extensions_allowed = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["policy", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "phase"], name="phaserule_one_per_phase"),
            models.CheckConstraint(
                condition=Q(fee__gte=0) & Q(continuation_fee__gte=0), name="phaserule_fees_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.get_phase_display()}"


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ParticipantProfile(models.Model):
    """What the program needs to know about a clinician: the name for the certificate, qualifications,
    practice and organization."""

    class Population(models.TextChoices):
        CHILDREN = "children", "Children"
        YOUTH = "youth", "Youth"
        ADULTS = "adults", "Adults"
        FAMILIES = "families", "Families"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="profile")
    legal_name = models.CharField(max_length=200, help_text="Exactly as it must appear on a certificate.")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="participants"
    )
    currently_practicing = models.BooleanField(default=False)
    populations_served = models.JSONField(default=list, blank=True)
    practice_setting = models.CharField(
        max_length=200, blank=True, help_text="e.g. community mental health clinic"
    )
    prior_case_based_series = models.BooleanField(
        default=False, help_text="Has completed at least one NMT Case-based Training Series (10 sessions)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def audit_subject_user(self) -> Any:
        return self.user


class Degree(models.Model):
    class Level(models.TextChoices):
        BACHELOR = "bachelor", "Bachelor's"
        MASTER = "master", "Master's"
        DOCTORATE = "doctorate", "Doctorate"
        OTHER = "other", "Other"

    profile = models.ForeignKey(ParticipantProfile, on_delete=models.CASCADE, related_name="degrees")
    level = models.CharField(max_length=20, choices=Level.choices)
    field = models.CharField(max_length=200, help_text="e.g. social work, psychology, nursing")
    institution = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} in {self.field} ({self.institution}, {self.year})"


class License(models.Model):
    """A license (LPC, LMFT, LMSW…) or similar designation. The number is personal data: shown masked
    except to its owner and staff, never put in a URL or a log line."""

    profile = models.ForeignKey(ParticipantProfile, on_delete=models.CASCADE, related_name="licenses")
    license_type = models.CharField(
        max_length=100, help_text="e.g. LPC, LMFT, LMSW, or the designation abroad"
    )
    number = models.CharField(max_length=100)
    jurisdiction = models.CharField(max_length=100, help_text="State, province or country")
    expires_on = models.DateField()

    class Meta:
        ordering = ["-expires_on"]

    def __str__(self) -> str:
        return f"{self.license_type} {self.masked_number} ({self.jurisdiction})"

    @property
    def masked_number(self) -> str:
        tail = self.number[-3:] if len(self.number) > 4 else ""
        return "•••" + tail

    def is_current(self, on: date) -> bool:
        return self.expires_on >= on


class EnrollmentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    FREE_EXTENSION = "free_extension", "In free extension"
    AWAITING_FEE = "awaiting_fee", "Awaiting continuation fee"
    CONTINUATION = "continuation", "In paid continuation"
    RENEWAL_DUE = "renewal_due", "Renewal due"
    COMPLETED = "completed", "Completed"
    LAPSED = "lapsed", "Lapsed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = frozenset(
    {
        EnrollmentStatus.PENDING,
        EnrollmentStatus.ACTIVE,
        EnrollmentStatus.FREE_EXTENSION,
        EnrollmentStatus.AWAITING_FEE,
        EnrollmentStatus.CONTINUATION,
        EnrollmentStatus.RENEWAL_DUE,
    }
)
# Statuses in which the clinician counts as enrolled (access to the metric tools, requirements open).
ENROLLED_STATUSES = frozenset(
    {EnrollmentStatus.ACTIVE, EnrollmentStatus.FREE_EXTENSION, EnrollmentStatus.CONTINUATION}
)


class Enrollment(models.Model):
    """One participant in one phase (for Maintenance and Re-Certification: one year of it), pinned to the
    policy version it started under. Status changes only through enrollment.services."""

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments"
    )
    phase = models.CharField(max_length=20, choices=Phase.choices)
    policy = models.ForeignKey(ProgramPolicy, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(
        max_length=20, choices=EnrollmentStatus.choices, default=EnrollmentStatus.PENDING
    )
    start_date = models.DateField()
    term_end = models.DateField(help_text="First day after the term.")
    free_extension_months = models.PositiveSmallIntegerField(
        default=0, help_text="Free extension granted so far."
    )
    extension_end = models.DateField(null=True, blank=True, help_text="First day after the free extension.")
    paid_through = models.DateField(null=True, blank=True, help_text="First day after the paid continuation.")
    continuations = models.PositiveSmallIntegerField(
        default=0, help_text="Continuation fees recorded so far (each buys the policy's continuation months)."
    )
    completed_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True, help_text="When it lapsed or was withdrawn.")
    year_number = models.PositiveSmallIntegerField(
        default=1, help_text="For Maintenance: which year this is."
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_enrollments"
    )
    prerequisite_required = models.BooleanField(
        default=False,
        help_text="Phase I without a prior Case-based Series: the Pre-Requisite Series is added.",
    )
    flagged_for_review = models.BooleanField(default=False)
    flag_reason = models.TextField(blank=True)
    imported = models.BooleanField(default=False, help_text="Brought in from the program's earlier records.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["status", "phase"]),
            models.Index(fields=["term_end"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EnrollmentStatus.values), name="enrollment_status_valid"
            ),
            models.CheckConstraint(condition=Q(phase__in=Phase.values), name="enrollment_phase_valid"),
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("start_date")), name="enrollment_term_after_start"
            ),
            models.UniqueConstraint(
                fields=["participant", "phase"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="enrollment_one_open_per_phase",
            ),
        ]

    def __str__(self) -> str:
        year = f" year {self.year_number}" if self.phase in (Phase.MAINTENANCE,) else ""
        return f"{self.get_phase_display()}{year} · {self.participant} ({self.get_status_display()})"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant

    @property
    def rule(self) -> PhaseRule:
        return self.policy.rule(self.phase)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_enrolled(self) -> bool:
        return self.status in ENROLLED_STATUSES

    @property
    def current_end(self) -> date:
        """The first day after all the time this enrollment has: term, free extension, paid continuation."""
        return max(d for d in (self.term_end, self.extension_end, self.paid_through) if d is not None)

    def free_extension_limit_end(self) -> date:
        return add_months(self.start_date, self.rule.term_months + self.rule.free_extension_months)
