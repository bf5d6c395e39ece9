"""Metric reports, the append-only token ledger, idempotency records and the annual Fidelity Exercise.

Writes go through metrics_tokens.services; the token ledger is append-only (the services never update
or delete an entry, and triggers installed by migration 0002 make the database refuse it too).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReportType(models.TextChoices):
    TYPICAL = "typical", "Typical"
    FIDELITY = "fidelity", "Fidelity"
    CLIENT_INITIAL = "client_initial", "Client initial"
    CLIENT_FOLLOW_UP = "client_follow_up", "Client follow-up"


CLIENT_REPORT_TYPES = frozenset({ReportType.CLIENT_INITIAL, ReportType.CLIENT_FOLLOW_UP})


class ReportSource(models.TextChoices):
    PARTICIPANT = "participant", "Recorded by the clinician"
    API = "api", "Posted by the metrics tool"
    STAFF = "staff", "Recorded by staff"


class MetricReport(models.Model):
    """That a clinician completed a report in the NMT metrics tool: its type, date and a pseudonymous
    client code. Never clinical content or a client's name."""

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="metric_reports"
    )
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", on_delete=models.PROTECT, related_name="metric_reports"
    )
    report_type = models.CharField(max_length=20, choices=ReportType.choices)
    report_date = models.DateField()
    client_code = models.CharField(
        max_length=40,
        blank=True,
        help_text="A pseudonymous code of your own (e.g. C-0142). Never a name, initials with a birth "
        "date, or an e-mail address.",
    )
    source = models.CharField(max_length=20, choices=ReportSource.choices, default=ReportSource.PARTICIPANT)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The metrics tool's own id of the report, if it sent one."
    )
    token_required = models.BooleanField(
        default=False, help_text="False while tokens are unlimited (Phase I and II)."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-report_date", "-id"]
        indexes = [
            models.Index(fields=["enrollment", "report_type"]),
            models.Index(fields=["participant", "-report_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(report_type__in=ReportType.values), name="metricreport_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ReportSource.values), name="metricreport_source_valid"
            ),
            models.CheckConstraint(
                condition=~Q(report_type__in=sorted(CLIENT_REPORT_TYPES)) | ~Q(client_code=""),
                name="metricreport_client_reports_have_code",
            ),
        ]

    def __str__(self) -> str:
        code = f" {self.client_code}" if self.client_code else ""
        return f"{self.get_report_type_display()} report{code} of {self.report_date:%Y-%m-%d}"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant


class TokenAccount(models.Model):
    """One row per clinician. Spending locks this row (SELECT … FOR UPDATE), which serialises the
    spenders of one clinician; the balance itself is never stored, it is the sum of the ledger."""

    participant = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="token_account"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Tokens of {self.participant}"


class LedgerIsAppendOnly(Exception):
    """Raised when code tries to change or remove a token ledger entry."""


class TokenLedgerQuerySet(models.QuerySet["TokenLedgerEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise LedgerIsAppendOnly("Token ledger entries are never updated: append a new entry instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LedgerIsAppendOnly("Token ledger entries are never deleted: append a new entry instead.")


class LedgerKind(models.TextChoices):
    GRANT = "grant", "Grant"
    CONSUME = "consume", "Consumed"
    REFUND = "refund", "Refund"
    EXPIRE = "expire", "Expired"
    ADJUSTMENT = "adjustment", "Adjustment"


class TokenLedgerEntry(models.Model):
    """One movement of tokens. Append-only: never updated, never deleted (the database refuses both).

    `dedupe_key` names a movement that must happen at most once (the annual grant of an enrollment,
    its expiry, the consumption for one report, the refund of one consumption); the unique index on it
    makes a retried job or request a no-op instead of a second movement.
    """

    account = models.ForeignKey(TokenAccount, on_delete=models.PROTECT, related_name="entries")
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", null=True, blank=True, on_delete=models.PROTECT, related_name="token_entries"
    )
    kind = models.CharField(max_length=20, choices=LedgerKind.choices)
    amount = models.IntegerField(help_text="Positive adds tokens, negative removes them.")
    report = models.ForeignKey(
        MetricReport, null=True, blank=True, on_delete=models.PROTECT, related_name="token_entries"
    )
    refund_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunded_by"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, help_text="Who: an e-mail, or “system”.")
    reason = models.CharField(max_length=500)
    dedupe_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    at = models.DateTimeField(default=timezone.now)

    objects = TokenLedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "token ledger entries"
        indexes = [models.Index(fields=["account", "at"]), models.Index(fields=["enrollment", "kind"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LedgerKind.values), name="ledger_kind_valid"),
            models.CheckConstraint(
                condition=(
                    (Q(kind__in=["grant", "refund"]) & Q(amount__gt=0))
                    | (Q(kind__in=["consume", "expire"]) & Q(amount__lt=0))
                    | (Q(kind="adjustment") & ~Q(amount=0))
                ),
                name="ledger_amount_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="consume") | Q(report__isnull=False), name="ledger_consume_has_report"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="ledger_reason_required"),
            # A report is paid for at most once.
            models.UniqueConstraint(
                fields=["report"], condition=Q(kind="consume"), name="ledger_one_consume_per_report"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:+d} ({self.reason})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerIsAppendOnly("Token ledger entries are never updated: append a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise LedgerIsAppendOnly("Token ledger entries are never deleted: append a new entry instead.")

    @property
    def audit_subject_user(self) -> Any:
        return self.account.participant


class IdempotencyRecord(models.Model):
    """The first answer to an API request that carried an `Idempotency-Key`; a retry gets it again."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_one_per_owner_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.owner_id})"


def _exercise_upload(instance: Any, filename: str) -> str:
    return f"fidelity/{instance.year}/{filename}"


class FidelityExercise(models.Model):
    """The year's Fidelity Exercise: a case abstract, a one-hour Q&A session, a submission deadline;
    after the deadline, the scored report, self-scoring instructions and a recorded feedback talk."""

    year = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)
    case_abstract = models.FileField(upload_to=_exercise_upload, help_text="PDF or document, private.")
    qa_session_at = models.DateTimeField(help_text="The one-hour online Q&A session.")
    qa_session_link = models.URLField(max_length=500)
    deadline = models.DateField(help_text="Last day to submit the Fidelity report.")
    scored_report = models.FileField(upload_to=_exercise_upload, blank=True)
    self_scoring_instructions = models.TextField(blank=True)
    feedback_recording_link = models.URLField(max_length=500, blank=True)
    results_published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"Fidelity Exercise {self.year}"

    @property
    def is_published(self) -> bool:
        return self.results_published_at is not None


class FidelityAssignment(models.Model):
    """One clinician's part in one exercise, counted toward the enrollment they were in when assigned."""

    exercise = models.ForeignKey(FidelityExercise, on_delete=models.PROTECT, related_name="assignments")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fidelity_assignments"
    )
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", on_delete=models.PROTECT, related_name="fidelity_assignments"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    report = models.OneToOneField(
        MetricReport, null=True, blank=True, on_delete=models.PROTECT, related_name="fidelity_assignment"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False, help_text="Submitted after the deadline.")
    self_scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["exercise", "participant__last_name", "participant__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "participant"], name="fidelity_one_assignment_each"),
            models.CheckConstraint(
                condition=Q(self_scored_at__isnull=True) | Q(submitted_at__isnull=False),
                name="fidelity_self_scoring_after_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} · {self.participant}"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant
