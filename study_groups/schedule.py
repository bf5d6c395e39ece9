"""A group's meeting pattern: an RFC 5545 RRULE evaluated with dateutil.rrule in the group's time zone.

The rule is anchored at DTSTART = (starts_on, start_time) in the group's zone, so a 3 pm Eastern meeting
stays at 3 pm Eastern across daylight-saving changes; occurrences are returned as aware UTC datetimes.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from django.core.exceptions import ValidationError

# Anything more frequent than daily is not a study-group pattern (and would make huge windows).
ALLOWED_FREQUENCIES = {YEARLY, MONTHLY, WEEKLY, DAILY}
MAX_OCCURRENCES_PER_WINDOW = 500


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"time_zone": f"Unknown time zone: {name}."}) from exc


def parse_rule(rule: str, starts_on: date, start_time: time, time_zone: str) -> rrule:
    """The rule as a dateutil rrule anchored at the group's first local start. Refuses what is not a
    single RRULE of a sensible frequency, with a message a person can act on."""
    text = (rule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        raise ValidationError({"recurrence_rule": "Give a recurrence rule, e.g. FREQ=MONTHLY;BYDAY=TU."})
    if any(word in text.upper() for word in ("DTSTART", "EXDATE", "RDATE", "\n")):
        raise ValidationError(
            {"recurrence_rule": "Only the RRULE part: the start comes from the first day and time."}
        )
    dtstart = datetime.combine(starts_on, start_time, tzinfo=zone(time_zone))
    try:
        parsed = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"recurrence_rule": f"Not a valid RFC 5545 rule: {exc}"}) from exc
    if not isinstance(parsed, rrule):
        raise ValidationError({"recurrence_rule": "Give a single RRULE."})
    if parsed._freq not in ALLOWED_FREQUENCIES:  # type: ignore[attr-defined]
        raise ValidationError({"recurrence_rule": "Meetings repeat daily at most (FREQ=DAILY or slower)."})
    return parsed


def occurrences(
    rule: str,
    *,
    starts_on: date,
    start_time: time,
    time_zone: str,
    after: datetime,
    before: datetime,
    ends_on: date | None = None,
) -> list[datetime]:
    """Starts (aware, UTC) of the pattern in [after, before), none on or after `ends_on` (local date)."""
    parsed = parse_rule(rule, starts_on, start_time, time_zone)
    tz = zone(time_zone)
    found: list[datetime] = []
    for local in parsed.between(after.astimezone(tz), before.astimezone(tz), inc=True):
        if local >= before.astimezone(tz):
            continue
        if ends_on is not None and local.date() >= ends_on:
            break
        found.append(local.astimezone(UTC))
        if len(found) >= MAX_OCCURRENCES_PER_WINDOW:
            break
    return found


def describe(rule: str) -> str:
    """A short human description of common patterns (falls back to the rule itself)."""
    parts = dict(p.split("=", 1) for p in rule.upper().replace("RRULE:", "").split(";") if "=" in p)
    days = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday"}
    days |= {"SA": "Saturday", "SU": "Sunday"}
    ordinals = {"1": "1st", "2": "2nd", "3": "3rd", "4": "4th", "5": "5th", "-1": "last"}
    freq, byday, setpos = parts.get("FREQ"), parts.get("BYDAY", ""), parts.get("BYSETPOS", "")
    interval = parts.get("INTERVAL", "1")
    if freq == "MONTHLY" and byday and interval == "1":
        if setpos and byday in days:
            which = " and ".join(ordinals.get(p, p) for p in setpos.split(","))
            return f"The {which} {days[byday]} of every month"
        if byday[:-2] and byday[-2:] in days:  # e.g. 3TH
            return f"The {ordinals.get(byday[:-2], byday[:-2])} {days[byday[-2:]]} of every month"
    if freq == "WEEKLY" and byday and interval in ("1", "2"):
        names = ", ".join(days.get(d, d) for d in byday.split(","))
        return f"Every {'other ' if interval == '2' else ''}week on {names}"
    return rule
