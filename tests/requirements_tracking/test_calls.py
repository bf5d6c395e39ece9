"""The recurring calls: a whole year of the schedule, staff changes to one occurrence, attendance and
the months it covers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.errors import DomainError
from requirements_tracking.call_services import call_attendance_record, call_occurrence_update
from requirements_tracking.models import CallSeries
from requirements_tracking.schedule import occurrences_between
from requirements_tracking.selectors import progress_for_enrollments

from .factories import open_enrollment

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


def _year(code: str, year: int = 2026) -> list[Any]:
    start = datetime(year, 1, 1, tzinfo=UTC)
    return occurrences_between(
        start, datetime(year + 1, 1, 1, tzinfo=UTC), CallSeries.objects.filter(code=code)
    )


@pytest.mark.parametrize(("code", "nth"), [("metric", 3), ("community", 4)])
def test_a_whole_year_of_calls(code: str, nth: int) -> None:
    calls = _year(code)
    assert len(calls) == 10  # twelve months minus July and August
    assert {c.original_date.month for c in calls} == {1, 2, 3, 4, 5, 6, 9, 10, 11, 12}
    for c in calls:
        local = c.starts_at.astimezone(NY)
        assert local.weekday() == 3  # Thursday
        assert (local.day - 1) // 7 + 1 == nth  # the 3rd or 4th Thursday of its month
        assert local.time() == time(15, 0)
    # 15:00 in New York is 20:00 UTC in winter (EST) and 19:00 UTC in summer (EDT).
    utc = {c.original_date.month: c.starts_at.astimezone(UTC).hour for c in calls}
    assert utc[1] == 20 and utc[12] == 20
    assert utc[6] == 19 and utc[9] == 19
    if code == "metric":
        assert [c.original_date for c in calls][:3] == [
            date(2026, 1, 15),
            date(2026, 2, 19),
            date(2026, 3, 19),
        ]


def test_the_calls_page_shows_times_in_the_viewers_zone(cast: Any) -> None:
    cast.participant.time_zone = "Europe/London"
    cast.participant.save()
    import time_machine

    with time_machine.travel("2026-01-02 12:00:00+00:00", tick=False):
        page = cast.client_for("participant").get(reverse("requirements_tracking:calls"))
    text = page.content.decode()
    assert "Europe/London" in text
    assert "Thu 15 Jan 2026, 20:00" in text  # 15:00 New York = 20:00 London in January


def test_staff_cancel_move_and_attach_a_recording(cast: Any) -> None:
    metric = CallSeries.objects.get(code="metric")
    call_occurrence_update(actor=cast.staff, series=metric, original_date=date(2026, 2, 19), cancelled=True)
    moved_to = datetime(2026, 3, 20, 11, 0, tzinfo=NY)
    call_occurrence_update(
        actor=cast.staff,
        series=metric,
        original_date=date(2026, 3, 19),
        cancelled=False,
        moved_to=moved_to,
        recording_url="https://example.org/rec/march",
    )
    calls = {c.original_date: c for c in _year("metric")}
    assert calls[date(2026, 2, 19)].cancelled
    march = calls[date(2026, 3, 19)]
    assert march.moved and march.starts_at == moved_to and march.recording_url.endswith("march")
    with pytest.raises(DomainError):
        call_occurrence_update(
            actor=cast.staff, series=metric, original_date=date(2026, 2, 20), cancelled=True
        )
    with pytest.raises(DomainError):
        call_attendance_record(
            actor=cast.participant,
            series=metric,
            original_date=date(2026, 2, 19),
            mode="live",
            now=datetime(2026, 5, 1, tzinfo=UTC),
        )


def test_staff_manage_a_call_through_the_page(cast: Any) -> None:
    url = reverse("requirements_tracking:call_manage", args=["community", "2026-10-22"])
    response = cast.client_for("staff").post(
        url, {"recording_url": "https://example.org/oct", "note": "Recorded"}
    )
    assert response.status_code == 302
    occ = next(c for c in _year("community") if c.original_date == date(2026, 10, 22))
    assert occ.recording_url == "https://example.org/oct"
    assert (
        cast.client_for("staff")
        .post(reverse("requirements_tracking:call_manage", args=["community", "2026-10-23"]), {})
        .status_code
        == 404
    )


def test_attendance_counts_the_months_covered(cast: Any) -> None:
    enrollment = open_enrollment(cast.participant, start=date(2026, 1, 5))
    metric = CallSeries.objects.get(code="metric")
    community = CallSeries.objects.get(code="community")
    later = datetime(2026, 12, 31, tzinfo=UTC)
    for series, day, mode in [
        (metric, date(2026, 1, 15), "live"),
        (metric, date(2026, 2, 19), "recording"),
        (community, date(2026, 1, 22), "live"),
    ]:
        call_attendance_record(actor=cast.participant, series=series, original_date=day, mode=mode, now=later)
    with pytest.raises(DomainError, match="already recorded"):
        call_attendance_record(
            actor=cast.participant, series=metric, original_date=date(2026, 1, 15), mode="live", now=later
        )
    with pytest.raises(DomainError, match="not taken place"):
        call_attendance_record(
            actor=cast.participant,
            series=metric,
            original_date=date(2026, 3, 19),
            mode="live",
            now=datetime(2026, 3, 1, tzinfo=UTC),
        )
    items = {i.code: i for i in progress_for_enrollments([enrollment], date(2026, 6, 1))[enrollment.pk].items}
    assert items["metric_calls"].done == 2 and items["metric_calls"].target == 10
    assert items["community_calls"].done == 1
    assert items["metric_calls"].detail[0].startswith("January 2026")


def test_attendance_through_the_page_and_the_api(cast: Any) -> None:
    client = cast.client_for("participant")
    client.post(reverse("requirements_tracking:call_attend", args=["metric", "2026-01-15"]), {"mode": "live"})
    api = client.post(
        reverse("api:requirements-call-attend", args=["community", "2026-01-22"]),
        {"mode": "recording"},
        content_type="application/json",
    )
    assert api.status_code == 201
    calls = client.get(reverse("api:requirements-call-list") + "?start=2026-01-01&end=2026-12-31").json()
    assert len(calls) == 20
    assert datetime.fromisoformat(calls[0]["starts_at"]) == datetime(2026, 1, 15, 20, 0, tzinfo=UTC)
    future = client.post(
        reverse("api:requirements-call-attend", args=["metric", "2030-01-17"]),
        {"mode": "live"},
        content_type="application/json",
    )
    assert future.status_code == 409
    undo = client.post(reverse("api:requirements-call-attendance-undo", args=["metric", "2026-01-15"]))
    assert undo.status_code == 204
