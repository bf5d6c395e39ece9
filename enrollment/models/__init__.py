"""Enrollment's models: the policy, profiles and enrollments (program), applications and requests,
the fee ledger, and imports. Import from `enrollment.models`."""

from .applications import (
    Application,
    ApplicationStatus,
    ExtensionRequest,
    RequestStatus,
    TransitionRequest,
)
from .fees import Invoice, InvoiceKind, Payment, PaymentMethod, Waiver
from .imports import ImportBatch
from .program import (
    ENROLLED_STATUSES,
    OPEN_STATUSES,
    TRAINING_PHASES,
    Degree,
    Enrollment,
    EnrollmentStatus,
    License,
    Organization,
    ParticipantProfile,
    Phase,
    PhaseRule,
    ProgramPolicy,
)

__all__ = [
    "ENROLLED_STATUSES",
    "OPEN_STATUSES",
    "TRAINING_PHASES",
    "Application",
    "ApplicationStatus",
    "Degree",
    "Enrollment",
    "EnrollmentStatus",
    "ExtensionRequest",
    "ImportBatch",
    "Invoice",
    "InvoiceKind",
    "License",
    "Organization",
    "ParticipantProfile",
    "Payment",
    "PaymentMethod",
    "Phase",
    "PhaseRule",
    "ProgramPolicy",
    "RequestStatus",
    "TransitionRequest",
    "Waiver",
]
