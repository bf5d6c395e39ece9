"""Places where other apps plug into enrollment without enrollment importing them.

- COMPLETION_CHECKS: functions (enrollment, as_of) -> list of unmet items (strings). A phase is complete
  when every check returns an empty list. requirements_tracking registers the checklist check.
- ENROLLMENT_STARTED: functions (enrollment) called (inside the transaction) when an enrollment becomes
  active: the checklist is made, tokens are granted, and so on.
- STATUS_CHANGED: functions (enrollment, old_status, new_status, actor) called inside the transaction
  after every status change.

Apps register in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Enrollment

CompletionCheck = Callable[["Enrollment", date], list[str]]
StartedHook = Callable[["Enrollment"], None]
StatusHook = Callable[["Enrollment", str, str, Any], None]

COMPLETION_CHECKS: list[CompletionCheck] = []
ENROLLMENT_STARTED: list[StartedHook] = []
STATUS_CHANGED: list[StatusHook] = []


def register_completion_check(fn: CompletionCheck) -> CompletionCheck:
    if fn not in COMPLETION_CHECKS:
        COMPLETION_CHECKS.append(fn)
    return fn


def register_enrollment_started(fn: StartedHook) -> StartedHook:
    if fn not in ENROLLMENT_STARTED:
        ENROLLMENT_STARTED.append(fn)
    return fn


def register_status_changed(fn: StatusHook) -> StatusHook:
    if fn not in STATUS_CHANGED:
        STATUS_CHANGED.append(fn)
    return fn
