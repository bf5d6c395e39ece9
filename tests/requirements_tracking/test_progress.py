"""Progress per requirement and overall, behind schedule, completion, and the query count."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enrollment.services import completion_problems
from requirements_tracking.models import ChecklistRequirement
from requirements_tracking.selectors import checklist_for, progress_for_enrollments
from requirements_tracking.services import entry_record
from tests.support import make_user

from .factories import fake_providers, fill_checklist, open_enrollment

pytestmark = pytest.mark.django_db


def _tick(user: Any, enrollment: Any, code: str, numbers: range, on: date = date(2026, 2, 1)) -> None:
    requirement = ChecklistRequirement.objects.get(checklist=checklist_for(enrollment), code=code)
    for n in numbers:
        entry_record(actor=user, requirement=requirement, number=n, completed_on=on)


def test_progress_counts_entries_and_grows(cast: Any) -> None:
    enrollment = open_enrollment(cast.participant)
    before = progress_for_enrollments([enrollment], date(2026, 2, 1))[enrollment.pk]
    assert before.percent == 0 and not before.complete
    _tick(cast.participant, enrollment, "core_series", range(1, 6))
    after = progress_for_enrollments([enrollment], date(2026, 2, 1))[enrollment.pk]
    core = next(i for i in after.items if i.code == "core_series")
    assert (core.done, core.target, core.met) == (5, 10, False)
    assert 0 < after.percent < 100
    assert after.percent > before.percent


def test_provider_requirements_count_zero_until_a_provider_answers(cast: Any) -> None:
    enrollment = open_enrollment(cast.participant)
    items = {i.code: i for i in progress_for_enrollments([enrollment], date(2026, 3, 1))[enrollment.pk].items}
    assert items["reports_typical"].done == 0 and items["reports_typical"].automatic
    with fake_providers(done=1):
        items = {
            i.code: i for i in progress_for_enrollments([enrollment], date(2026, 3, 1))[enrollment.pk].items
        }
    assert items["reports_typical"].done == 1 and items["reports_fidelity"].met


def test_behind_schedule_follows_the_policy_margin(cast: Any) -> None:
    enrollment = open_enrollment(cast.participant, start=date(2026, 1, 1))
    assert not progress_for_enrollments([enrollment], date(2026, 1, 20))[enrollment.pk].behind
    late = progress_for_enrollments([enrollment], date(2026, 9, 1))[enrollment.pk]
    assert late.behind and late.elapsed_percent > 60
    enrollment.policy.behind_schedule_margin_percent = 100
    enrollment.policy.save()
    assert not progress_for_enrollments([enrollment], date(2026, 9, 1))[enrollment.pk].behind


def test_completion_check_lists_unmet_items_then_wants_the_signature(cast: Any) -> None:
    enrollment = open_enrollment(cast.participant)
    problems = completion_problems(enrollment, date(2026, 6, 1))
    assert any("NMT Core Certification Series recordings: 0 of 10" in p for p in problems)
    with fake_providers():
        fill_checklist(cast.participant, enrollment, date(2026, 2, 1))
        problems = completion_problems(enrollment, date(2027, 1, 1))
    assert problems == ["The checklist is not signed yet."]


def _queries(enrollments: list[Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        result = progress_for_enrollments(enrollments, date(2026, 6, 1))
    assert len(result) == len(enrollments)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("with_checklists", [True, False])
def test_progress_for_enrollments_runs_the_same_queries_for_1_and_40(
    cast: Any, with_checklists: bool
) -> None:
    people = [make_user(f"p{i}@example.org", ["participant"]) for i in range(40)]
    enrollments = [open_enrollment(p) for p in people]
    for e in enrollments[:3]:
        _tick(e.participant, e, "core_series", range(1, 3))
    if not with_checklists:
        from requirements_tracking.models import Checklist, ChecklistEntry

        ChecklistEntry.objects.all().delete()
        ChecklistRequirement.objects.all().delete()
        Checklist.objects.all().delete()
    fresh = list(type(enrollments[0]).objects.filter(pk__in=[e.pk for e in enrollments]))
    one = _queries(fresh[:1])
    forty = _queries(fresh)
    assert one == forty, (one, forty)
    assert forty <= 12
