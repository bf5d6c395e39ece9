"""Models of the staff console: reminders staff send from a queue, and evidence-pack jobs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class StaffReminder(models.Model):
    """An e-mail a staff member sent to a participant from a work queue (bulk action). Sent by a
    Celery task after commit; `sent_at` is set by the one worker that claims it."""

    participant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    queue = models.CharField(max_length=40, help_text="The queue it was sent from.")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["participant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.participant}"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant


class EvidencePackStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being assembled"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class EvidencePackJob(models.Model):
    """One evidence pack (a PDF and a zip of the original files) for one participant. The task claims
    the row (queued → running) so two workers never build the same pack; `steps_done`/`steps_total`
    is the progress the page polls."""

    participant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=EvidencePackStatus.choices, default=EvidencePackStatus.QUEUED
    )
    steps_total = models.PositiveSmallIntegerField(default=0)
    steps_done = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pdf_file = models.CharField(max_length=300, blank=True, help_text="Path under MEDIA_ROOT.")
    zip_file = models.CharField(max_length=300, blank=True, help_text="Path under MEDIA_ROOT.")
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EvidencePackStatus.values), name="evidencepack_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Evidence pack #{self.pk} for {self.participant}"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant

    @property
    def percent(self) -> int:
        if self.status == EvidencePackStatus.DONE:
            return 100
        return int(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    @property
    def finished(self) -> bool:
        return self.status in (EvidencePackStatus.DONE, EvidencePackStatus.FAILED)


class ParticipantWords(models.Model):
    """The participant search's index (PostgreSQL): per user, the name and e-mail columns the results
    are sorted by, the words of those and of the legal name, and whether they count as a participant.
    Kept by triggers on the user, profile and group-membership tables (migration 0005), so every
    write, bulk ones included, keeps it current; nothing in Python writes it. A one-word search reads
    it alone, one index scan of narrow rows, instead of two word indexes, a union and the user and
    profile rows behind them. Empty on SQLite, where the search reads the tables themselves."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.DO_NOTHING,  # the database removes the row with its user (ON DELETE CASCADE)
        db_constraint=False,  # that constraint is made by migration 0005, on PostgreSQL
        related_name="+",
    )
    last_name = models.CharField(max_length=150)
    first_name = models.CharField(max_length=150)
    email = models.CharField(max_length=254)
    is_participant = models.BooleanField()
    # user_words and profile_words (tsvector) exist on PostgreSQL only: added by migration 0005.

    class Meta:
        verbose_name_plural = "participant words"

    def __str__(self) -> str:
        return self.email
