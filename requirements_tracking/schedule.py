"""The program's recurring calls: dates from each series' recurrence rule (dateutil's rrule), local
time in the series' own zone (so 15:00 New York stays 15:00 across daylight-saving changes), merged
with staff changes to single occurrences (cancelled, moved, recording attached)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.db.models import Q

from .models import CallOccurrence, CallSeries


def rule_dates(series: CallSeries, start: date, end: date) -> list[date]:
    """Dates the rule gives in [start, end] (inclusive), never before the series starts."""
    first = max(start, series.starts_on)
    if first > end:
        return []
    rule = rrulestr(series.rrule, dtstart=datetime.combine(series.starts_on, datetime.min.time()))
    return [
        d.date()
        for d in rule.between(
            datetime.combine(first, datetime.min.time()),
            datetime.combine(end, datetime.max.time()),
            inc=True,
        )
    ]


def is_rule_date(series: CallSeries, day: date) -> bool:
    return day in rule_dates(series, day, day)


def rule_start(series: CallSeries, day: date) -> datetime:
    """The aware start of the occurrence the rule gives on `day` (in the series' zone)."""
    return datetime.combine(day, series.local_time, tzinfo=ZoneInfo(series.time_zone))


@dataclass
class Occurrence:
    series: CallSeries
    original_date: date
    starts_at: datetime  # aware
    ends_at: datetime
    cancelled: bool = False
    moved: bool = False
    recording_url: str = ""
    note: str = ""
    occurrence_id: int | None = None

    @property
    def uid(self) -> str:
        return f"call-{self.series.code}-{self.original_date.isoformat()}@nmt-cert"

    @property
    def key(self) -> tuple[str, date]:
        return (self.series.code, self.original_date)

    @property
    def call_month(self) -> date:
        local = self.starts_at.astimezone(ZoneInfo(self.series.time_zone))
        return date(local.year, local.month, 1)


def _build(series: CallSeries, day: date, override: CallOccurrence | None) -> Occurrence:
    starts = rule_start(series, day)
    occ = Occurrence(series, day, starts, starts + timedelta(minutes=series.duration_minutes))
    if override is not None:
        occ.occurrence_id = override.pk
        occ.cancelled = override.cancelled
        occ.recording_url = override.recording_url
        occ.note = override.note
        if override.moved_to is not None:
            occ.moved = True
            occ.starts_at = override.moved_to
            occ.ends_at = override.moved_to + timedelta(minutes=series.duration_minutes)
    return occ


def occurrences_between(
    start: datetime, end: datetime, series: Iterable[CallSeries] | None = None
) -> list[Occurrence]:
    """Every occurrence starting in [start, end) (aware datetimes), with staff changes applied.
    Two queries whatever the span: the series and the overrides."""
    all_series = list(series if series is not None else CallSeries.objects.filter(is_active=True))
    if not all_series:
        return []
    # Rule dates a day either side: a moved occurrence or a far time zone can cross midnight.
    first, last = (start - timedelta(days=2)).date(), (end + timedelta(days=2)).date()
    overrides = {
        (o.series_id, o.original_date): o
        for o in CallOccurrence.objects.filter(series__in=all_series).filter(
            Q(original_date__range=(first, last)) | Q(moved_to__gte=start, moved_to__lt=end)
        )
    }
    found: dict[tuple[int, date], Occurrence] = {}
    for s in all_series:
        days = set(rule_dates(s, first, last))
        days |= {d for (sid, d) in overrides if sid == s.pk and is_rule_date(s, d)}
        for day in days:
            occ = _build(s, day, overrides.get((s.pk, day)))
            if start <= occ.starts_at < end:
                found[(s.pk, day)] = occ
    return sorted(found.values(), key=lambda o: (o.starts_at, o.series.code))


def occurrence_for(series: CallSeries, day: date) -> Occurrence | None:
    """The occurrence the rule gives on `day`, or None when the rule gives none that day."""
    if not is_rule_date(series, day):
        return None
    return _build(series, day, CallOccurrence.objects.filter(series=series, original_date=day).first())
