"""Calendar-month date arithmetic for terms, extensions and paid periods.

Every end date is computed from the enrollment's start with a cumulative number of months, never by
chaining month additions (31 Jan + 1 month = 28 Feb, + 1 month = 28 Mar would drift). A month that has
no such day ends on its last day: 31 Jan + 1 month = 28 (or 29) Feb; 29 Feb 2028 + 12 months = 28 Feb 2029.
An end date is the first day *outside* the period: a 12-month term starting 15 Jan 2026 ends on
15 Jan 2027, and the participant is in term on every day before it.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta


def add_months(anchor: date, months: int) -> date:
    return anchor + relativedelta(months=months)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end (end exclusive), never negative."""
    delta = relativedelta(end, start)
    return max(0, delta.years * 12 + delta.months)


def share_elapsed(start: date, end: date, as_of: date) -> float:
    """How much of [start, end) has passed by as_of, from 0.0 to 1.0."""
    total = (end - start).days
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, (as_of - start).days / total))
