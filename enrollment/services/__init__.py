"""Writes of the enrollment app. Import services from `enrollment.services`."""

from .applications import (
    application_approve,
    application_reject,
    application_request_info,
    application_submit,
)
from .core import (
    ALLOWED_TRANSITIONS,
    TransitionNotAllowed,
    can_transition,
    completion_problems,
    enrollment_change_status,
    enrollment_open,
    policy_for,
)
from .fees import invoice_issue, invoice_waive, parse_amount, payment_record
from .imports import import_batch_commit, import_batch_create, import_commit, import_preview
from .profiles import profile_update
from .transitions import (
    FEE_KIND,
    PHASE_MOVES,
    enrollment_grant_free_extension,
    enrollment_issue_continuation_invoice,
    enrollment_record_continuation,
    enrollment_withdraw,
    extension_request_create,
    extension_request_grant,
    extension_request_refuse,
    free_extension_left,
    phase_move_allowed,
    transition_request_approve,
    transition_request_create,
    transition_request_refuse,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "FEE_KIND",
    "PHASE_MOVES",
    "TransitionNotAllowed",
    "application_approve",
    "application_reject",
    "application_request_info",
    "application_submit",
    "can_transition",
    "completion_problems",
    "enrollment_change_status",
    "enrollment_grant_free_extension",
    "enrollment_issue_continuation_invoice",
    "enrollment_open",
    "enrollment_record_continuation",
    "enrollment_withdraw",
    "extension_request_create",
    "extension_request_grant",
    "extension_request_refuse",
    "free_extension_left",
    "import_batch_commit",
    "import_batch_create",
    "import_commit",
    "import_preview",
    "invoice_issue",
    "invoice_waive",
    "parse_amount",
    "payment_record",
    "phase_move_allowed",
    "policy_for",
    "profile_update",
    "transition_request_approve",
    "transition_request_create",
    "transition_request_refuse",
]
