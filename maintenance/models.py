"""Models of the Deadlines, Maintenance and Re-Certification app.

- RuleRun: one row per run of the daily rule engine (what it changed, when, dry or real).
- RecertificationRequirement: the marker "this clinician must complete Re-Certification before renewing",
  made by the engine (Phase I/II graduate who did not start Maintenance in time) or by staff (a
  Maintenance year whose requirements were not met). Lapsed Maintenance says it by its status.
- YearEndCheck: the engine looked at a finished Maintenance year once and recorded what was unmet.
- SentReminder: one row per reminder (enrollment, kind, deadline, days before); its uniqueness is what
  makes every reminder go out exactly once however often the job runs.
- Presentation: a trainer's planned presentation, reviewed by staff, then logged as delivered.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RuleRun(models.Model):
    as_of = models.DateField(db_index=True)
    dry_run = models.BooleanField(default=False)
    triggered_by = models.CharField(max_length=200, blank=True, help_text="beat, command, or a person")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    changes = models.PositiveIntegerField(default=0)
    reminders = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Rules as of {self.as_of} ({'dry run' if self.dry_run else 'applied'})"


def run_pointer() -> Any:
    """Which run made a row: a pointer into the run log, read with the row, never looked up by run.
    No index and no database constraint (a per-row check at commit in the daily job's bulk inserts);
    runs are never deleted (read-only in the admin), and Django would still apply SET_NULL."""
    return models.ForeignKey(
        RuleRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


class RecertificationRequirement(models.Model):
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recertification_requirements"
    )
    # Looked up through the unique (partial) index recertreq_one_per_source.
    source_enrollment = models.ForeignKey(
        "enrollment.Enrollment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recertification_requirements",
        help_text="The enrollment whose outcome made Re-Certification necessary.",
        db_index=False,
    )
    rule = models.CharField(max_length=60, blank=True, help_text="The automatic rule, or blank for staff.")
    reason = models.TextField()
    required_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    # Blank on the rule engine's rows: indexed where set only (see Meta).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    recertification = models.ForeignKey(
        "enrollment.Enrollment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resolves_requirements",
        help_text="The Re-Certification enrollment that answers it.",
        db_index=False,
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    run = run_pointer()

    class Meta:
        ordering = ["-required_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_enrollment"],
                condition=Q(source_enrollment__isnull=False),
                name="recertreq_one_per_source",
            )
        ]
        indexes = [
            models.Index(
                fields=["created_by"], condition=Q(created_by__isnull=False), name="recertreq_created_by"
            ),
            models.Index(
                fields=["recertification"],
                condition=Q(recertification__isnull=False),
                name="recertreq_recertification",
            ),
        ]

    def __str__(self) -> str:
        return f"Re-Certification required · {self.participant}"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class YearEndCheck(models.Model):
    enrollment = models.OneToOneField(
        "enrollment.Enrollment", on_delete=models.CASCADE, related_name="year_end_check"
    )
    checked_on = models.DateField()
    run = run_pointer()
    problems = models.JSONField(default=list, blank=True)
    evaluated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the requirements were checked."
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=30, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed where set only (see Meta)
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["decided_by"], condition=Q(decided_by__isnull=False), name="yearendcheck_decided_by"
            ),
            # The few not evaluated yet, which each run's dispatch looks for (tasks.dispatch_run).
            models.Index(
                fields=["id"], condition=Q(evaluated_at__isnull=True), name="yearendcheck_unevaluated"
            ),
        ]

    def __str__(self) -> str:
        return f"Year-end check of {self.enrollment_id}"


class ReminderKind(models.TextChoices):
    TERM_END = "term_end", "Term ends"
    FREE_EXTENSION_END = "free_extension_end", "Free extension ends"
    MAINTENANCE_RENEWAL = "maintenance_renewal", "Maintenance renewal"
    FIDELITY_DEADLINE = "fidelity_deadline", "Fidelity Exercise submission deadline"


class SentReminder(models.Model):
    """The reminder log: one row per reminder, claimed by the run that found it due (the unique
    constraint makes it exactly once), then sent. Written in bulk by the daily job (thousands in a
    catch-up run): like the audit log, its references carry no database foreign-key constraint (a
    per-row check at commit and a lock on the referenced row each); Django still cascades deletes."""

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_reminders", db_constraint=False
    )
    # The unique (enrollment, kind, deadline, days_before) index serves lookups by enrollment.
    enrollment = models.ForeignKey(
        "enrollment.Enrollment",
        on_delete=models.CASCADE,
        related_name="sent_reminders",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    deadline = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    claim = models.CharField(max_length=40, help_text="The run that claimed it.")  # read, never searched
    created_at = models.DateTimeField(default=timezone.now)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The few not sent yet, which each run's dispatch looks for (reminders.unsent_reminders).
            models.Index(fields=["deadline"], condition=Q(sent_at__isnull=True), name="sentreminder_unsent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "kind", "deadline", "days_before"], name="sentreminder_once"
            ),
            models.CheckConstraint(condition=Q(kind__in=ReminderKind.values), name="sentreminder_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.deadline} ({self.days_before} days) · {self.participant}"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant


class PresentationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Awaiting review"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned with comments"
    DELIVERED = "delivered", "Delivered"
    WITHDRAWN = "withdrawn", "Withdrawn"


def slides_upload_to(instance: Presentation, filename: str) -> str:
    import uuid
    from pathlib import Path

    # Never the uploader's file name in the path: it may carry personal data and is not needed.
    return f"presentations/{timezone.now():%Y}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class Presentation(models.Model):
    """A presentation of NMT core concepts that a trainer plans to give. DOMAIN: trainers may give
    introductory trainings only after each presentation has passed NMN review."""

    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="presentations"
    )
    title = models.CharField(max_length=200)
    audience = models.CharField(max_length=200, help_text="Who it is for, e.g. school counselors")
    planned_on = models.DateField(help_text="Planned date")
    venue = models.CharField(max_length=200, help_text="Training site or online")
    slides = models.FileField(upload_to=slides_upload_to)
    slides_name = models.CharField(max_length=200, help_text="The original file name, for downloads.")
    status = models.CharField(
        max_length=20, choices=PresentationStatus.choices, default=PresentationStatus.SUBMITTED
    )
    review_comments = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    attendees = models.PositiveIntegerField(null=True, blank=True)
    delivery_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["trainer", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PresentationStatus.values), name="presentation_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_on__isnull=False),
                name="presentation_delivered_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def audit_subject_user(self) -> Any:
        return self.trainer
