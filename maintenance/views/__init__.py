"""Pages of the maintenance app (thin: a selector to load, a service to act)."""

from .participant import overview, recertification_start, reminders, renew
from .presentations import (
    presentation_deliver,
    presentation_detail,
    presentation_queue,
    presentation_review,
    presentation_slides,
    presentation_withdraw,
    presentations,
)
from .staff import (
    flagged,
    flagged_decide,
    home_panel_context,
    preview,
    recertification_approve,
    recertifications,
)

__all__ = [
    "flagged",
    "flagged_decide",
    "home_panel_context",
    "overview",
    "presentation_deliver",
    "presentation_detail",
    "presentation_queue",
    "presentation_review",
    "presentation_slides",
    "presentation_withdraw",
    "presentations",
    "preview",
    "recertification_approve",
    "recertification_start",
    "recertifications",
    "reminders",
    "renew",
]
