"""Certificates of completion (Phase I, Phase II/TTT, Re-Certification) and bulk print jobs.

A certificate is never edited after it is issued: a correction is a reissue (a new certificate with a
new number and verification code; the old one points to it through `superseded_by`). Revocation only
sets `revoked_at/by/reason`. All writes go through certificates.services.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_verification_code() -> str:
    # 18 random bytes -> 24 URL-safe characters: unguessable, and short enough for a QR code.
    return secrets.token_urlsafe(18)


class CertificateLevel(models.TextChoices):
    """The level a certificate attests. Values match enrollment.models.Phase."""

    PHASE_1 = "phase1", "Phase I"
    PHASE_2 = "phase2", "Phase II/Train-the-Trainer (TTT)"
    RECERTIFICATION = "recertification", "Re-Certification"


class CertificateStatus(models.TextChoices):
    """Derived, never stored: what verification says about a certificate."""

    VALID = "valid", "Valid"
    REVOKED = "revoked", "Revoked"
    SUPERSEDED = "superseded", "Superseded by a reissue"
    NOT_FOUND = "not_found", "Not found"


class CertificateNumberSequence(models.Model):
    """The last number given out per year (NMT-2026-000123). Locked while a number is taken."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class Certificate(models.Model):
    number = models.CharField(max_length=32, unique=True)
    verification_code = models.CharField(max_length=64, unique=True, default=new_verification_code)
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    enrollment = models.ForeignKey(
        "enrollment.Enrollment", on_delete=models.PROTECT, related_name="certificates"
    )
    level = models.CharField(max_length=20, choices=CertificateLevel.choices)
    legal_name = models.CharField(max_length=200, help_text="The participant's legal name when issued.")
    completion_date = models.DateField()
    issue_date = models.DateField()
    issuer_name = models.CharField(max_length=200, help_text="Who issued it (a setting, kept as issued).")
    wording = models.TextField(help_text="The policy's certificate statement, kept as issued.")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    printed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = models.TextField(blank=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    reissue_reason = models.TextField(
        blank=True, help_text="Why the certificate this one replaces was reissued."
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["level", "completion_date"]),
            models.Index(fields=["printed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=CertificateLevel.values), name="certificate_level_valid"
            ),
            # A revoked certificate says why; one that is not revoked has no reason.
            models.CheckConstraint(
                condition=(Q(revoked_at__isnull=True) & Q(revocation_reason=""))
                | (Q(revoked_at__isnull=False) & ~Q(revocation_reason="")),
                name="certificate_revocation_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True) | Q(superseded_at__isnull=False),
                name="certificate_superseded_has_date",
            ),
            # One current certificate per completed enrollment (a reissue supersedes the old one).
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(revoked_at__isnull=True) & Q(superseded_at__isnull=True),
                name="certificate_one_current_per_enrollment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.legal_name} · {self.get_level_display()}"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.superseded_at is not None:
            return CertificateStatus.SUPERSEDED
        return CertificateStatus.VALID

    def get_status_display(self) -> str:
        return CertificateStatus(self.status).label

    @property
    def is_current(self) -> bool:
        return self.status == CertificateStatus.VALID


class BulkPrintStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Rendering"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class BulkPrintJob(models.Model):
    """One combined PDF (for the printer) and a zip of individual PDFs for a filtered set of certificates.

    The certificates are fixed when the job is created (`certificate_ids`), so the files match what
    the admin saw. `shards` Celery tasks render slices of them in parallel, each saving its count in
    `shard_progress`; `done_count` (their sum) is the progress the page polls. The shard that finds all
    of them rendered assembles the zip and the combined PDF.
    """

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=BulkPrintStatus.choices, default=BulkPrintStatus.QUEUED)
    filters = models.JSONField(default=dict, blank=True, help_text="The filters the admin chose.")
    certificate_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    done_count = models.PositiveIntegerField(default=0)
    mark_printed = models.BooleanField(
        default=True, help_text="Set printed_at on the certificates when done."
    )
    shards = models.PositiveSmallIntegerField(default=1, help_text="Parallel rendering tasks.")
    shard_progress = models.JSONField(default=list, blank=True, help_text="Certificates rendered per shard.")
    assembly_started_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    combined_pdf = models.CharField(max_length=300, blank=True, help_text="Path under MEDIA_ROOT.")
    zip_file = models.CharField(max_length=300, blank=True, help_text="Path under MEDIA_ROOT.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BulkPrintStatus.values), name="bulkprint_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(done_count__lte=models.F("total")), name="bulkprint_progress_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"Bulk print #{self.pk} ({self.total} certificates, {self.get_status_display().lower()})"

    @property
    def percent(self) -> int:
        if self.total == 0:
            return 100 if self.status == BulkPrintStatus.DONE else 0
        return int(self.done_count * 100 / self.total)

    @property
    def filters_display(self) -> str:
        parts = []
        f = self.filters or {}
        if f.get("level") in CertificateLevel.values:
            parts.append(CertificateLevel(f["level"]).label)
        if f.get("completed_from") or f.get("completed_to"):
            parts.append(f"completed {f.get('completed_from') or '…'} to {f.get('completed_to') or '…'}")
        if f.get("organization"):
            from enrollment.models import Organization

            org = Organization.objects.filter(pk=f["organization"]).first()
            parts.append(f"organization: {org or f['organization']}")
        if f.get("not_printed"):
            parts.append("not printed yet")
        return " · ".join(parts) or "every current certificate"

    @property
    def is_assembling(self) -> bool:
        return self.status == BulkPrintStatus.RUNNING and self.assembly_started_at is not None

    @property
    def is_finished(self) -> bool:
        return self.status in (BulkPrintStatus.DONE, BulkPrintStatus.FAILED)
