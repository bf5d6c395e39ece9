"""Writes of the metrics_tokens app (see the modules for the details)."""

from .fidelity import (
    fidelity_assign_on_start,
    fidelity_exercise_create,
    fidelity_mark_self_scored,
    fidelity_publish_results,
    fidelity_submit,
)
from .idempotency import IdempotencyKeyReused, idempotent, request_fingerprint
from .reports import CLIENT_CODE_HELP, clean_client_code, client_code_problem, report_record
from .tokens import (
    NoAccess,
    NoBalance,
    account_for,
    balance_of,
    on_enrollment_started,
    tokens_adjust,
    tokens_expire_due,
    tokens_expire_for_year,
    tokens_grant_for_year,
    tokens_needed,
    tokens_refund,
)

__all__ = [
    "CLIENT_CODE_HELP",
    "IdempotencyKeyReused",
    "NoAccess",
    "NoBalance",
    "account_for",
    "balance_of",
    "clean_client_code",
    "client_code_problem",
    "fidelity_assign_on_start",
    "fidelity_exercise_create",
    "fidelity_mark_self_scored",
    "fidelity_publish_results",
    "fidelity_submit",
    "idempotent",
    "on_enrollment_started",
    "report_record",
    "request_fingerprint",
    "tokens_adjust",
    "tokens_expire_due",
    "tokens_expire_for_year",
    "tokens_grant_for_year",
    "tokens_needed",
    "tokens_refund",
]
