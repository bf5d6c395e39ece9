"""Applications for Phase I, and participants' requests to move on or to get more time."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .program import Enrollment, Phase


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted, waiting for review"
    INFO_REQUESTED = "info_requested", "More information requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Application(models.Model):
    """A clinician's application for Phase I. The answers live in the participant's profile (degrees,
    licenses, practice); the application records the agreement, the eligibility outcome and the review."""

    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    agreed_to_policy_at = models.DateTimeField(
        help_text="When the applicant agreed to the client-confidentiality and attribution policy."
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    eligibility = models.JSONField(
        default=list, blank=True, help_text="The eligibility rules' outcome at the last submission."
    )
    prerequisite_required = models.BooleanField(
        default=False, help_text="No prior Case-based Series: the Pre-Requisite Series is added at no cost."
    )
    info_request = models.TextField(blank=True, help_text="What staff asked for, if they did.")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    enrollment = models.OneToOneField(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="application"
    )

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="application_status_valid"
            ),
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(status__in=["submitted", "info_requested"]),
                name="application_one_open_per_participant",
            ),
        ]

    def __str__(self) -> str:
        return f"Application of {self.participant} ({self.get_status_display()})"

    @property
    def audit_subject_user(self) -> Any:
        return self.participant

    @property
    def is_open(self) -> bool:
        return self.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED)


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for staff"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class TransitionRequest(models.Model):
    """A participant who finished a phase asks to move on; staff approve or refuse."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="transition_requests")
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    reason = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    new_enrollment = models.OneToOneField(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="opened_by_transition"
    )

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="transitionrequest_status_valid"
            ),
            models.UniqueConstraint(
                fields=["enrollment"], condition=Q(status="pending"), name="transitionrequest_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.get_phase_display()} → {self.get_to_phase_display()} ({self.get_status_display()})"

    @property
    def audit_subject_user(self) -> Any:
        return self.enrollment.participant


class ExtensionRequest(models.Model):
    """A participant asks for more time; staff grant a free extension (up to the policy's limit) or refuse."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="extension_requests")
    months = models.PositiveSmallIntegerField()
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    months_granted = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="extensionrequest_status_valid"
            ),
            models.CheckConstraint(condition=Q(months__gte=1), name="extensionrequest_months_positive"),
            models.UniqueConstraint(
                fields=["enrollment"], condition=Q(status="pending"), name="extensionrequest_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.months} months for {self.enrollment} ({self.get_status_display()})"

    @property
    def audit_subject_user(self) -> Any:
        return self.enrollment.participant
