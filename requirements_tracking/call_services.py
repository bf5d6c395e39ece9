"""Writes for the recurring calls: staff change one occurrence; participants record attendance."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.errors import DomainError, NotAllowed
from accounts.roles import is_staff_member
from accounts.services import audit_record

from .models import CallAttendance, CallOccurrence, CallSeries, Mode
from .schedule import Occurrence, occurrence_for


def _occurrence(series: CallSeries, original_date: date) -> Occurrence:
    occ = occurrence_for(series, original_date)
    if occ is None:
        raise DomainError(f"There is no {series.name} on {original_date:%d %B %Y}.", code="not_found")
    return occ


@transaction.atomic
def call_occurrence_update(
    *,
    actor: Any,
    series: CallSeries,
    original_date: date,
    cancelled: bool,
    moved_to: datetime | None = None,
    recording_url: str = "",
    note: str = "",
) -> CallOccurrence:
    """Cancel or move one occurrence, or attach its recording link (staff)."""
    if not is_staff_member(actor):
        raise NotAllowed("Only NMN staff change the program's calls.")
    _occurrence(series, original_date)
    if moved_to is not None and timezone.is_naive(moved_to):
        raise ValidationError({"moved_to": "Give the new time with its time zone."})
    if recording_url:
        try:
            URLValidator(schemes=["https"])(recording_url)
        except ValidationError:
            raise ValidationError({"recording_url": "Enter an https:// link to the recording."}) from None
    if cancelled and moved_to is not None:
        raise ValidationError({"moved_to": "A cancelled call is not moved as well."})
    row, _ = CallOccurrence.objects.select_for_update().get_or_create(
        series=series, original_date=original_date
    )
    before = {
        "cancelled": row.cancelled,
        "moved_to": row.moved_to.isoformat() if row.moved_to else None,
        "recording_url": row.recording_url,
    }
    row.cancelled, row.moved_to, row.recording_url, row.note = cancelled, moved_to, recording_url, note[:300]
    row.save(update_fields=["cancelled", "moved_to", "recording_url", "note"])
    after = {
        "cancelled": row.cancelled,
        "moved_to": row.moved_to.isoformat() if row.moved_to else None,
        "recording_url": row.recording_url,
    }
    audit_record(
        actor=actor,
        action="call.occurrence_changed",
        target=row,
        reason=note,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return row


@transaction.atomic
def call_attendance_record(
    *, actor: Any, series: CallSeries, original_date: date, mode: str, now: datetime | None = None
) -> CallAttendance:
    """The participant attended (live) or watched the recording of one call; it counts for the month
    the call took place in."""
    if mode not in Mode.values:
        raise ValidationError({"mode": "Choose live or recording."})
    occ = _occurrence(series, original_date)
    if occ.cancelled:
        raise DomainError("That call was cancelled; there is nothing to attend.", code="cancelled")
    if occ.starts_at > (now or timezone.now()):
        raise DomainError("That call has not taken place yet.", code="not_yet")
    row, _ = CallOccurrence.objects.get_or_create(series=series, original_date=original_date)
    if CallAttendance.objects.filter(occurrence=row, participant=actor).exists():
        raise DomainError("Your attendance at that call is already recorded.", code="already_recorded")
    try:
        with transaction.atomic():
            attendance = CallAttendance.objects.create(
                occurrence=row, participant=actor, mode=mode, call_month=occ.call_month
            )
    except IntegrityError:
        raise DomainError(
            "Your attendance at that call is already recorded.", code="already_recorded"
        ) from None
    audit_record(
        actor=actor,
        action="call.attendance_recorded",
        target=attendance,
        changes={"call": occ.uid, "mode": mode},
    )
    return attendance


@transaction.atomic
def call_attendance_undo(*, actor: Any, series: CallSeries, original_date: date) -> None:
    attendance = CallAttendance.objects.filter(
        occurrence__series=series, occurrence__original_date=original_date, participant=actor
    ).first()
    if attendance is None:
        raise DomainError("No attendance at that call is recorded.", code="not_found")
    audit_record(
        actor=actor,
        action="call.attendance_undone",
        target=attendance,
        changes={"call": f"{series.code} {original_date.isoformat()}", "mode": attendance.mode},
    )
    attendance.delete()
