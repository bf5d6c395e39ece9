"""The Fidelity Exercise end to end: staff create and assign, clinicians submit by recording their
Fidelity report (late ones flagged), staff publish results after the deadline, clinicians self-score,
and completion feeds the checklist."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics_tokens import selectors
from metrics_tokens.models import FidelityAssignment, FidelityExercise, TokenLedgerEntry
from requirements_tracking.providers import progress_from
from tests.support import make_user

from .conftest import open_enrollment, upload

pytestmark = pytest.mark.django_db


def _create(client: Any, **fields: Any) -> Any:
    data = {
        "year": 2026,
        "title": "The case of J.",
        "case_abstract": upload(),
        "qa_session_at": "2026-04-02T15:00",
        "qa_session_link": "https://meet.example.org/fidelity-2026",
        "deadline": "2026-04-30",
    } | fields
    return client.post("/metrics/staff/fidelity/", data)


def test_the_fidelity_cycle_end_to_end(cast: Any) -> None:
    pat, quinn = cast.participant, cast.other_participant
    with time_machine.travel("2026-03-10 12:00Z"):
        staff = cast.client_for("staff")  # sessions expire: a fresh sign-in in each time block
        maintenance = open_enrollment(pat, "maintenance", date(2026, 1, 15))
        open_enrollment(quinn, "phase1", date(2026, 2, 1))
        response = _create(staff)
        assert response.status_code == 302, response.content.decode()[:2000]
        exercise = FidelityExercise.objects.get()
        assert set(exercise.assignments.values_list("participant__email", flat=True)) == {
            "pat@example.org",
            "quinn@example.org",
        }
        # The case abstract is for the assigned and staff; nobody else.
        file_url = f"/metrics/fidelity/exercises/{exercise.pk}/case-abstract/"
        assert cast.client_for("participant").get(file_url).status_code == 200
        assert cast.client_for("trainer").get(file_url).status_code == 404
        # Someone who starts before the deadline is assigned too.
        open_enrollment(cast.trainer, "phase2", date(2026, 3, 10))
        assert exercise.assignments.count() == 3
        # Self-scoring before anything is published is refused.
        own = FidelityAssignment.objects.get(participant=pat)
        cast.client_for("participant").post(f"/metrics/fidelity/{own.pk}/self-scored/")
        assert FidelityAssignment.objects.get(pk=own.pk).self_scored_at is None

    with time_machine.travel("2026-04-20 12:00Z"):
        staff = cast.client_for("staff")
        page = cast.client_for("participant").post(
            "/metrics/reports/", {"report_type": "fidelity", "report_date": "2026-04-19"}
        )
        assert page.status_code == 302
        own.refresh_from_db()
        assert own.submitted_at is not None and not own.late and own.report.report_type == "fidelity"
        # In Maintenance the Fidelity report uses a token.
        assert TokenLedgerEntry.objects.filter(kind="consume", report=own.report).exists()
        # Too early to publish.
        early = staff.post(
            f"/metrics/staff/fidelity/{exercise.pk}/publish/",
            {
                "scored_report": upload("scored.pdf"),
                "self_scoring_instructions": "Compare item by item.",
                "feedback_recording_link": "https://video.example.org/fb",
            },
        )
        assert early.status_code == 400 and b"after the deadline" in early.content

    with time_machine.travel("2026-05-03 12:00Z"):
        staff = cast.client_for("staff")
        detail = staff.get(f"/metrics/staff/fidelity/{exercise.pk}/")
        assert detail.status_code == 200
        missing = [a.participant.email for a in detail.context["missing"]]
        assert sorted(missing) == ["quinn@example.org", "terry@example.org"]
        late = cast.client_for("other_participant").post(
            "/metrics/reports/", {"report_type": "fidelity", "report_date": "2026-05-02"}
        )
        assert late.status_code == 302
        assert FidelityAssignment.objects.get(participant=quinn).late is True
        published = staff.post(
            f"/metrics/staff/fidelity/{exercise.pk}/publish/",
            {
                "scored_report": upload("scored.pdf"),
                "self_scoring_instructions": "Compare item by item.",
                "feedback_recording_link": "https://video.example.org/fb",
            },
        )
        assert published.status_code == 302
        scored = cast.client_for("participant").get(
            f"/metrics/fidelity/exercises/{exercise.pk}/scored-report/"
        )
        assert scored.status_code == 200
        done = cast.client_for("participant").post(f"/metrics/fidelity/{own.pk}/self-scored/")
        assert done.status_code == 302
        # Someone else's assignment does not exist for this participant.
        quinns = FidelityAssignment.objects.get(participant=quinn)
        assert (
            cast.client_for("participant").post(f"/metrics/fidelity/{quinns.pk}/self-scored/").status_code
            == 404
        )

        status = selectors.fidelity_status_for_enrollments(
            [
                maintenance,
                quinns.enrollment,
                FidelityAssignment.objects.get(participant=cast.trainer).enrollment,
            ]
        )
        assert list(status.values()) == ["done", "submitted_late", "overdue"]
        progress = progress_from("fidelity_exercise", [maintenance, quinns.enrollment], {}, date(2026, 5, 3))
        assert progress[maintenance.pk].done == 1
        assert progress[maintenance.pk].detail == ["Fidelity Exercise 2026"]
        assert progress[quinns.enrollment.pk].done == 0


@time_machine.travel("2026-03-10 12:00Z")
def test_exercise_creation_refuses_bad_input(cast: Any) -> None:
    staff = cast.client_for("staff")
    assert _create(staff, deadline="2026-03-01").status_code == 400  # before the Q&A session
    assert _create(staff, qa_session_link="not a link").status_code == 400
    assert not FidelityExercise.objects.exists()
    assert _create(staff).status_code == 302
    again = _create(staff, title="Another")
    assert again.status_code == 400 and b"already a Fidelity Exercise for 2026" in again.content


def test_fidelity_status_takes_the_same_queries_for_1_or_many(cast: Any) -> None:
    with time_machine.travel("2026-03-10 12:00Z"):
        enrollments = [
            open_enrollment(make_user(f"f{i}@example.org", ["participant"]), "phase1", date(2026, 2, 1))
            for i in range(8)
        ]
        assert _create(cast.client_for("staff")).status_code == 302
    with CaptureQueriesContext(connection) as one:
        selectors.fidelity_status_for_enrollments(enrollments[:1], today=date(2026, 3, 10))
    with CaptureQueriesContext(connection) as many:
        status = selectors.fidelity_status_for_enrollments(enrollments, today=date(2026, 3, 10))
    assert len(one) == len(many) == 1
    assert set(status.values()) == {"assigned"}
