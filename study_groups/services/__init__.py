"""Writes of the study_groups app (all of them go through these functions)."""

from .facilitation import (
    facilitation_assign,
    facilitation_end,
    facilitation_role,
    facilitation_year,
    phase2_enrollment,
)
from .groups import group_create, group_update, reminders_send_to_behind
from .meetings import (
    MeetingError,
    attendance_record,
    feedback_submit,
    meeting_cancel,
    meeting_move,
    meetings_materialize,
    members_at,
)
from .roster import (
    ALLOWED_TRANSITIONS,
    RosterError,
    eligible_enrollment,
    membership_add,
    membership_remove,
    membership_transfer,
    waitlist_position,
    waitlist_promote,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "MeetingError",
    "RosterError",
    "attendance_record",
    "eligible_enrollment",
    "facilitation_assign",
    "facilitation_end",
    "facilitation_role",
    "facilitation_year",
    "feedback_submit",
    "group_create",
    "group_update",
    "meeting_cancel",
    "meeting_move",
    "meetings_materialize",
    "members_at",
    "membership_add",
    "membership_remove",
    "membership_transfer",
    "phase2_enrollment",
    "reminders_send_to_behind",
    "waitlist_position",
    "waitlist_promote",
]
