"""Writes of the maintenance app. Import services from `maintenance.services`."""

from .presentations import (
    PRESENTATION_TRANSITIONS,
    presentation_log_delivered,
    presentation_resubmit,
    presentation_review,
    presentation_submit,
    presentation_withdraw,
    slides_max_bytes_label,
    validate_slides,
)
from .renewals import (
    RenewalDecision,
    maintenance_decide_flagged,
    maintenance_renew,
    maintenance_start,
    recertification_approve,
    recertification_start,
    renewal_blockers,
    renewal_deadline,
    renewal_opens_on,
)

__all__ = [
    "PRESENTATION_TRANSITIONS",
    "RenewalDecision",
    "maintenance_decide_flagged",
    "maintenance_renew",
    "maintenance_start",
    "presentation_log_delivered",
    "presentation_resubmit",
    "presentation_review",
    "presentation_submit",
    "presentation_withdraw",
    "recertification_approve",
    "recertification_start",
    "renewal_blockers",
    "renewal_deadline",
    "renewal_opens_on",
    "slides_max_bytes_label",
    "validate_slides",
]
