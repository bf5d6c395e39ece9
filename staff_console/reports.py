"""Program reports: each is one query (or two) over the whole program, returned as a table (columns,
rows) that the page shows beside its chart, the CSV export writes and the API answers."""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Any

from django.db.models import Count, DateField, F, Q, Sum
from django.db.models.functions import Coalesce, ExtractMonth, ExtractQuarter, ExtractYear
from django.utils import timezone

from enrollment.models import (
    TRAINING_PHASES,
    Enrollment,
    EnrollmentStatus,
    ExtensionRequest,
    Phase,
    RequestStatus,
)
from enrollment.selectors import active_policy, organizations_near_site_threshold
from metrics_tokens.models import LedgerKind, TokenLedgerEntry

from .queues import current_end_expression


@dataclass
class Report:
    key: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] = field(default_factory=dict)  # {"type", "labels", "datasets": [{"label", "data"}]}

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "columns": self.columns,
            "rows": self.rows,
            "chart": self.chart,
        }


PHASE_LABELS = dict(Phase.choices)
STATUS_LABELS = dict(EnrollmentStatus.choices)


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def phase_status() -> Report:
    counts = {
        (r["phase"], r["status"]): r["n"]
        for r in Enrollment.objects.order_by().values("phase", "status").annotate(n=Count("pk"))
    }
    statuses = [s for s in EnrollmentStatus.values if any(k[1] == s for k in counts)]
    rows = [
        [
            PHASE_LABELS[p],
            *[counts.get((p, s), 0) for s in statuses],
            sum(counts.get((p, s), 0) for s in statuses),
        ]
        for p in Phase.values
    ]
    return Report(
        "phase_status",
        "Participants by phase and status",
        "Every enrollment (one per phase, one per Maintenance year) by its phase and current status.",
        ["Phase", *[STATUS_LABELS[s] for s in statuses], "Total"],
        rows,
        {
            "type": "bar",
            "stacked": True,
            "labels": [PHASE_LABELS[p] for p in Phase.values],
            "datasets": [
                {"label": STATUS_LABELS[s], "data": [counts.get((p, s), 0) for p in Phase.values]}
                for s in statuses
            ],
        },
    )


def _quarter_ends(today: date, count: int = 8) -> list[date]:
    """The last day of each of the last `count` quarters, the current one included, oldest first."""
    ends = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(count):
        month = quarter * 3
        ends.append(date(year, month, monthrange(year, month)[1]))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return list(reversed(ends))


def phase_over_time(today: date | None = None) -> Report:
    """How many enrollments of each phase were running at the end of each of the last eight quarters
    (started by then; not completed, lapsed, withdrawn or past their time by then): one query."""
    today = today or timezone.localdate()
    ends = _quarter_ends(today)
    stop = Coalesce(F("completed_on"), F("ended_on"), current_end_expression(), output_field=DateField())
    # The current quarter is counted as of today (its end has not come yet).
    aggregates = {
        f"q{i}": Count("pk", filter=Q(start_date__lte=min(day, today)) & Q(stop__gt=min(day, today)))
        for i, day in enumerate(ends)
    }
    counts = {
        r["phase"]: r
        for r in Enrollment.objects.annotate(stop=stop).order_by().values("phase").annotate(**aggregates)
    }
    labels = [f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in ends]
    rows = [
        [PHASE_LABELS[p], *[counts.get(p, {}).get(f"q{i}", 0) for i in range(len(ends))]]
        for p in Phase.values
    ]
    return Report(
        "phase_over_time",
        "Participants by phase over time",
        "Enrollments running at the end of each quarter (the current one: today): started, and not completed, "
        "lapsed, withdrawn or past their time.",
        ["Phase", *labels],
        rows,
        {"type": "line", "labels": labels, "datasets": [{"label": r[0], "data": r[1:]} for r in rows]},
    )


def cohorts() -> Report:
    """Completion and lapse rates of the training phases by cohort (the quarter they started)."""
    rows_q = (
        Enrollment.objects.filter(phase__in=sorted(TRAINING_PHASES))
        .annotate(y=ExtractYear("start_date"), q=ExtractQuarter("start_date"))
        .order_by()
        .values("phase", "y", "q")
        .annotate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED)),
            lapsed=Count("pk", filter=Q(status=EnrollmentStatus.LAPSED)),
            withdrawn=Count("pk", filter=Q(status=EnrollmentStatus.WITHDRAWN)),
        )
        .order_by("y", "q", "phase")
    )
    rows = []
    for r in rows_q:
        rows.append(
            [
                f"{r['y']}-Q{r['q']}",
                PHASE_LABELS[r["phase"]],
                r["total"],
                r["completed"],
                r["lapsed"],
                r["withdrawn"],
                _pct(r["completed"], r["total"]),
                _pct(r["lapsed"], r["total"]),
            ]
        )
    labels = sorted({row[0] for row in rows})
    by = {(row[0], row[1]): row for row in rows}
    datasets = []
    for phase in sorted(TRAINING_PHASES):
        name = PHASE_LABELS[phase]
        datasets.append(
            {"label": f"{name} completed %", "data": [by.get((c, name), [0] * 8)[6] for c in labels]}
        )
        datasets.append(
            {"label": f"{name} lapsed %", "data": [by.get((c, name), [0] * 8)[7] for c in labels]}
        )
    return Report(
        "cohorts",
        "Completion and lapse rates by cohort",
        "Phase I and Phase II/TTT enrollments by the quarter they started.",
        ["Cohort", "Phase", "Enrollments", "Completed", "Lapsed", "Withdrawn", "Completed %", "Lapsed %"],
        rows,
        {"type": "bar", "labels": labels, "datasets": datasets},
    )


def time_to_complete() -> Report:
    spans: dict[str, list[int]] = defaultdict(list)
    for phase, start, done in Enrollment.objects.filter(
        phase__in=[*sorted(TRAINING_PHASES), Phase.RECERTIFICATION], completed_on__isnull=False
    ).values_list("phase", "start_date", "completed_on"):
        if done is not None:
            spans[phase].append((done.year - start.year) * 12 + done.month - start.month)
    rows = []
    for phase in [Phase.PHASE_1, Phase.PHASE_2, Phase.RECERTIFICATION]:
        months = spans.get(phase, [])
        rows.append(
            [
                PHASE_LABELS[phase],
                len(months),
                round(sum(months) / len(months), 1) if months else 0,
                median(months) if months else 0,
                max(months) if months else 0,
            ]
        )
    return Report(
        "time_to_complete",
        "Time to complete",
        "Months from start to completion of each completed enrollment.",
        ["Phase", "Completed", "Mean months", "Median months", "Longest"],
        rows,
        {
            "type": "bar",
            "labels": [r[0] for r in rows],
            "datasets": [
                {"label": "Mean months", "data": [r[2] for r in rows]},
                {"label": "Median months", "data": [r[3] for r in rows]},
            ],
        },
    )


def extensions() -> Report:
    rows_q = (
        ExtensionRequest.objects.exclude(decided_at__isnull=True)
        .annotate(y=ExtractYear("decided_at"), q=ExtractQuarter("decided_at"))
        .order_by()
        .values("y", "q")
        .annotate(
            granted=Count("pk", filter=Q(status=RequestStatus.APPROVED)),
            refused=Count("pk", filter=Q(status=RequestStatus.REFUSED)),
            months=Sum("months_granted", filter=Q(status=RequestStatus.APPROVED)),
        )
        .order_by("y", "q")
    )
    rows = [[f"{r['y']}-Q{r['q']}", r["granted"], r["refused"], r["months"] or 0] for r in rows_q]
    return Report(
        "extensions",
        "Extensions granted",
        "Extension requests decided per quarter, and the months granted.",
        ["Quarter", "Granted", "Refused", "Months granted"],
        rows,
        {
            "type": "bar",
            "labels": [r[0] for r in rows],
            "datasets": [
                {"label": "Granted", "data": [r[1] for r in rows]},
                {"label": "Refused", "data": [r[2] for r in rows]},
            ],
        },
    )


def tokens() -> Report:
    rows_q = (
        TokenLedgerEntry.objects.annotate(y=ExtractYear("at"), m=ExtractMonth("at"))
        .order_by()
        .values("y", "m")
        .annotate(
            consumed=Sum("amount", filter=Q(kind=LedgerKind.CONSUME)),
            refunded=Sum("amount", filter=Q(kind=LedgerKind.REFUND)),
            granted=Sum("amount", filter=Q(kind=LedgerKind.GRANT)),
        )
        .order_by("y", "m")
    )
    rows = [
        [f"{r['y']}-{r['m']:02d}", -(r["consumed"] or 0), r["refunded"] or 0, r["granted"] or 0]
        for r in rows_q
    ]
    return Report(
        "tokens",
        "Tokens used",
        "Metric-tool tokens consumed, refunded and granted per month (token ledger).",
        ["Month", "Used", "Refunded", "Granted"],
        rows,
        {
            "type": "line",
            "labels": [r[0] for r in rows],
            "datasets": [
                {"label": "Used", "data": [r[1] for r in rows]},
                {"label": "Refunded", "data": [r[2] for r in rows]},
            ],
        },
    )


def organizations() -> Report:
    policy = active_policy()
    threshold = policy.site_certification_threshold if policy else 0
    margin = 2
    orgs: list[Any] = list(organizations_near_site_threshold(margin=margin)[:100])
    rows = [
        [o.name, o.clinician_count, threshold, "yes" if o.clinician_count >= threshold else "near"]
        for o in orgs
    ]
    return Report(
        "organizations",
        "Organizations near the site threshold",
        f"Organizations with at least {max(1, threshold - margin)} clinicians; {threshold} or more may take "
        "Site Training Certification (the active policy's threshold).",
        ["Organization", "Clinicians", "Threshold", "Site candidate"],
        rows,
        {
            "type": "bar",
            "horizontal": True,
            "labels": [r[0] for r in rows],
            "datasets": [{"label": "Clinicians", "data": [r[1] for r in rows]}],
        },
    )


REPORTS: dict[str, Callable[[], Report]] = {
    "phase_status": phase_status,
    "phase_over_time": phase_over_time,
    "cohorts": cohorts,
    "time_to_complete": time_to_complete,
    "extensions": extensions,
    "tokens": tokens,
    "organizations": organizations,
}
