"""The daily job's bulk writes keep their guarantees with the lean schema: the database still refuses a
second Re-Certification marker for one enrollment, and a run counts, audits and reports only the rows
it inserted itself (what another run inserted first is neither counted nor audited again)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from accounts.models import AuditEntry
from maintenance import rules
from maintenance.models import RecertificationRequirement, SentReminder

from .factories import enrollment

AS_OF = date(2027, 3, 1)


@pytest.fixture(autouse=True)
def _requirements_met(monkeypatch: Any) -> None:
    from enrollment import hooks

    monkeypatch.setattr(hooks, "COMPLETION_CHECKS", [])


def _graduate(person: Any) -> Any:
    # Phase I completed more than the policy's window (12 months) before AS_OF, no Maintenance since.
    return enrollment(
        person,
        "phase1",
        date(2024, 6, 1),
        "completed",
        completed_on=date(2025, 12, 1),
        term_end=date(2025, 12, 1),
    )


def test_the_database_refuses_a_second_marker_for_one_enrollment(cast: Any) -> None:
    source = _graduate(cast.participant)
    fields = {
        "participant": cast.participant,
        "source_enrollment": source,
        "reason": "r",
        "required_on": AS_OF,
    }
    RecertificationRequirement.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecertificationRequirement.objects.create(**fields)


def test_a_run_reports_and_audits_only_the_markers_it_inserted(cast: Any) -> None:
    mine = _graduate(cast.participant)
    theirs = _graduate(cast.other_participant)
    # Another run got to this one first (it committed its marker and its audit entry).
    RecertificationRequirement.objects.create(
        participant=cast.other_participant,
        source_enrollment=theirs,
        rule="maintenance_not_started",
        reason="r",
        required_on=AS_OF,
    )

    summary = rules.apply(AS_OF)

    marked = [d for d in summary.decisions if d.rule == "maintenance_not_started"]
    assert [(d.enrollment_id, d.participant, d.phase, d.old_status) for d in marked] == [
        (mine.pk, cast.participant.email, "phase1", "completed")
    ]
    assert marked[0].due_on == date(2026, 12, 1)
    entries = AuditEntry.objects.filter(action="maintenance.recertification_required")
    assert [(e.target_id, e.subject_user_id) for e in entries] == [(str(mine.pk), cast.participant.pk)]
    assert entries[0].target_label == f"Phase I · {cast.participant.email} (Completed)"
    assert RecertificationRequirement.objects.count() == 2
    assert rules.apply(AS_OF + timedelta(days=1)).decisions == []


def test_a_run_counts_only_the_reminders_it_inserted(cast: Any) -> None:
    term_end = AS_OF + timedelta(days=30)
    first = enrollment(cast.participant, "phase1", date(2026, 1, 1), "active", term_end=term_end)
    enrollment(cast.other_participant, "phase1", date(2026, 1, 1), "active", term_end=term_end)
    # The 30-day reminder of the first was claimed by another run.
    SentReminder.objects.create(
        participant=cast.participant,
        enrollment=first,
        kind="term_end",
        deadline=term_end,
        days_before=30,
        claim="x",
    )

    summary = rules.apply(AS_OF)

    assert summary.reminders == 1
    assert SentReminder.objects.filter(deadline=term_end, days_before=30).count() == 2
    assert rules.apply(AS_OF).reminders == 0
