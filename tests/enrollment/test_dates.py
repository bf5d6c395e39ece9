"""Calendar-month arithmetic at month ends and leap days, through the services that use it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment import services
from enrollment.dates import add_months, months_between
from enrollment.models import EnrollmentStatus, Phase
from tests.enrollment.factories import enrollment


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
    ],
)
def test_it_adds_calendar_months_clamping_to_the_month_end(start: date, months: int, end: date) -> None:
    assert add_months(start, months) == end


def test_it_counts_from_the_start_and_never_drifts() -> None:
    start = date(2026, 1, 31)
    chained = add_months(add_months(start, 1), 1)  # 28 Feb, then 28 Mar: drift
    assert chained == date(2026, 3, 28)
    assert add_months(start, 2) == date(2026, 3, 31)
    assert months_between(date(2026, 1, 31), date(2026, 3, 31)) == 2
    assert months_between(date(2026, 3, 31), date(2026, 1, 31)) == 0


@pytest.mark.django_db
def test_a_phase_started_on_a_leap_day_ends_on_28_february(cast: Any) -> None:
    e = enrollment(cast.participant, start=date(2028, 2, 29))
    assert e.term_end == date(2029, 2, 28)


@pytest.mark.django_db
def test_free_extension_from_31_january_counts_from_the_start(cast: Any) -> None:
    e = enrollment(cast.participant, start=date(2026, 1, 31))
    assert e.term_end == date(2027, 1, 31)
    services.enrollment_grant_free_extension(
        actor=cast.staff, enrollment=e, months=1, reason="illness", as_of=date(2026, 6, 1)
    )
    assert e.extension_end == date(2027, 2, 28)
    services.enrollment_grant_free_extension(
        actor=cast.staff, enrollment=e, months=2, reason="more", as_of=date(2026, 6, 1)
    )
    e.refresh_from_db()
    assert e.free_extension_months == 3
    assert e.extension_end == date(2027, 4, 30)  # start + 15 months, not 28 Feb + 2 months
    assert e.status == EnrollmentStatus.ACTIVE  # the term has not ended yet


@pytest.mark.django_db
def test_phase_two_started_on_29_february_runs_24_months(cast: Any) -> None:
    e = enrollment(cast.participant, phase=Phase.PHASE_2, start=date(2028, 2, 29))
    assert e.term_end == date(2030, 2, 28)


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), months=st.integers(0, 120))
def test_adding_months_lands_in_the_right_month_on_the_same_day_or_its_last(start: date, months: int) -> None:
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)
    assert months_between(start, end) == months or end.day < start.day
