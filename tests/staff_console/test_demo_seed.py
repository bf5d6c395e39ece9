"""The demo seed (`manage.py seed_demo`) gives staff something in every work queue, through the apps'
services, and a second run changes nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from enrollment.models import Enrollment, ExtensionRequest, TransitionRequest
from metrics_tokens.models import FidelityAssignment, FidelityExercise
from requirements_tracking.integrity import verify_integrity
from requirements_tracking.models import Checklist, ChecklistStatus
from staff_console.queues import QUEUES
from staff_console.selectors import cached_queue_summaries
from study_groups.models import Attendance, Membership

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _queue_counts() -> dict[str, tuple[int, Any]]:
    summaries, _ = cached_queue_summaries(fresh=True)
    return {s.queue.key: (s.count, s.days) for s in summaries}


def _row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Enrollment,
            TransitionRequest,
            ExtensionRequest,
            Checklist,
            FidelityExercise,
            FidelityAssignment,
            Membership,
            Attendance,
        )
    }


def test_it_puts_something_in_every_queue_and_a_second_run_changes_nothing() -> None:
    output = _seed()
    assert "not complete yet" not in output
    counts = _queue_counts()
    assert set(counts) == set(QUEUES)
    assert {key for key, (n, _) in counts.items() if n == 0} == set()
    # Waiting ages differ from one queue to the next (the requests and deadlines lie days or weeks back).
    assert counts["extensions"][1] >= 7
    assert counts["fidelity"][1] >= 7
    assert counts["no_group"][1] >= 7
    rows = _row_counts()

    _seed()

    assert _queue_counts() == counts
    assert _row_counts() == rows


def test_its_signed_checklists_verify_and_their_owners_may_move_on() -> None:
    _seed()
    signed = list(Checklist.objects.filter(signed_at__isnull=False).select_related("enrollment"))
    assert {c.status for c in signed} == {
        ChecklistStatus.SIGNED,
        ChecklistStatus.VERIFIED,
        ChecklistStatus.RETURNED,
    }
    for checklist in signed:
        report = verify_integrity(checklist)
        assert report.signed
        assert report.intact, (checklist.enrollment.participant.email, checklist.version)
    waiting = TransitionRequest.objects.filter(status="pending").select_related("enrollment")
    assert waiting.count() >= 2
    for request in waiting:
        latest = Checklist.objects.filter(enrollment=request.enrollment).order_by("-version").first()
        assert latest is not None
        assert latest.status in (ChecklistStatus.SIGNED, ChecklistStatus.VERIFIED)
