"""Progress that other apps know better than a hand-ticked checklist.

A requirement whose template names a `source` (for example "metric_reports", "fidelity_exercise",
"study_group_attendance", "group_facilitation") is not ticked by hand: its progress is asked of the
provider registered under that source. Apps register providers in their AppConfig.ready():

    from requirements_tracking.providers import Progress, register_provider

    def metric_report_progress(enrollments, params, as_of):
        ...  # one query for all enrollments
        return {enrollment.pk: Progress(done=3, detail=["2026-03-01 Typical", ...]) for ...}

    register_provider("metric_reports", metric_report_progress)

A provider answers for many enrollments at once (a mentor's roster, a staff queue) so that its query
count does not grow with their number. `params` is the requirement template's parameters (a dict, e.g.
{"report_types": ["typical"]}); `as_of` is the date progress is computed for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from enrollment.models import Enrollment


@dataclass(frozen=True)
class Progress:
    done: int
    detail: list[str] = field(default_factory=list)  # human-readable lines: what counted


Provider = Callable[[Sequence["Enrollment"], dict[str, Any], date], dict[int, Progress]]

PROVIDERS: dict[str, Provider] = {}


def register_provider(source: str, provider: Provider) -> None:
    PROVIDERS[source] = provider


def progress_from(
    source: str, enrollments: Sequence[Enrollment], params: dict[str, Any], as_of: date
) -> dict[int, Progress]:
    """Progress for each enrollment from the provider of `source`; nothing counted when none is registered."""
    provider = PROVIDERS.get(source)
    if provider is None:
        return {e.pk: Progress(done=0) for e in enrollments}
    answer = provider(enrollments, params, as_of)
    return {e.pk: answer.get(e.pk, Progress(done=0)) for e in enrollments}
