"""Permission matrix of the metric reports, tokens and Fidelity Exercise pages and API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enrollment.selectors import enrolled_enrollment
from enrollment.services import enrollment_open
from metrics_tokens import services
from metrics_tokens.models import FidelityAssignment, TokenLedgerEntry

from .base import MENTORS, PARTICIPANTS, STAFF, Case, World, api, page

TOOL = frozenset({"integration"})
NOT_OWNER = PARTICIPANTS - {"participant"}  # also unenrolled: no access to the metric tools


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 matrix", content_type="application/pdf")


def build(world: World) -> None:
    today = timezone.localdate()
    # Other worlds enroll the participant (the enrollment world: Re-Certification, tokens granted);
    # other_participant and the trainer stay unenrolled, as the other modules expect.
    world.metrics_enrollment = enrolled_enrollment(world.participant) or enrollment_open(
        actor=None, participant=world.participant, phase="maintenance", start_date=today - timedelta(days=60)
    )
    services.tokens_adjust(
        actor=world.staff, participant=world.participant, amount=5, reason="Matrix", kind="grant"
    )
    report = services.report_record(
        actor=world.participant,
        participant=world.participant,
        report_type="typical",
        report_date=today - timedelta(days=5),
    )
    world.consume_entry = TokenLedgerEntry.objects.get(report=report, kind="consume")
    # An exercise's dates fall in its program year or the next: each year is its deadline's year - 1.
    # The published one is a year older, so the participant's Fidelity report below submits it.
    done_deadline, open_deadline = today - timedelta(days=370), today - timedelta(days=2)
    world.done_exercise = services.fidelity_exercise_create(
        actor=world.staff,
        year=done_deadline.year - 1,
        title="Published one",
        case_abstract=_file("a.pdf"),
        qa_session_at=timezone.now() - timedelta(days=400),
        qa_session_link="https://meet.example.org/a",
        deadline=done_deadline,
    )
    world.open_exercise = services.fidelity_exercise_create(
        actor=world.staff,
        year=open_deadline.year - 1,
        title="Waiting for results",
        case_abstract=_file("b.pdf"),
        qa_session_at=timezone.now() - timedelta(days=30),
        qa_session_link="https://meet.example.org/b",
        deadline=open_deadline,
    )
    services.report_record(  # submits the participant's oldest assignment (the published one)
        actor=world.participant,
        participant=world.participant,
        report_type="fidelity",
        report_date=today - timedelta(days=3),
    )
    services.fidelity_publish_results(
        actor=world.staff,
        exercise=world.done_exercise,
        scored_report=_file("scored.pdf"),
        self_scoring_instructions="Compare.",
        feedback_recording_link="https://video.example.org/a",
    )
    world.own_assignment = FidelityAssignment.objects.get(
        participant=world.participant, exercise=world.done_exercise
    )


def _report_body(world: World) -> dict[str, Any]:
    return {"report_type": "typical", "report_date": (timezone.localdate() - timedelta(days=2)).isoformat()}


def _exercise_body(world: World) -> dict[str, Any]:
    return {
        "year": 2030,
        "title": "Matrix",
        "case_abstract": _file("c.pdf"),
        "qa_session_at": "2030-03-01T15:00",
        "qa_session_link": "https://meet.example.org/c",
        "deadline": "2030-03-31",
    }


def _publish_body(world: World) -> dict[str, Any]:
    return {
        "scored_report": _file("s.pdf"),
        "self_scoring_instructions": "Compare item by item.",
        "feedback_recording_link": "https://video.example.org/b",
    }


BAD = {"report_type": "sonnet", "report_date": "2026-01-01"}


def _pat(world: World) -> dict[str, Any]:
    return {"pk": world.participant.pk}


CASES: list[Case] = [
    page("metrics_tokens:my_reports", PARTICIPANTS),
    # Whether the others are enrolled depends on other apps' worlds: a bad body answers 400 for every
    # participant (the view was reached), whatever their enrollment.
    page("metrics_tokens:my_reports", PARTICIPANTS, method="post", ok=400, data=BAD, note="bad input"),
    page("metrics_tokens:my_balance", PARTICIPANTS),
    page("metrics_tokens:my_fidelity", PARTICIPANTS),
    page(
        "metrics_tokens:fidelity_self_scored",
        {"participant"},
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w.own_assignment.pk},
        not_found=NOT_OWNER,
    ),
    # Files of an exercise: staff and the clinicians assigned it; for anyone else it does not exist.
    page(
        "metrics_tokens:fidelity_file",
        {"participant"} | STAFF,
        kwargs=lambda w: {"pk": w.done_exercise.pk, "which": "case-abstract"},
        not_found=MENTORS | NOT_OWNER,
    ),
    page("metrics_tokens:staff_ledger", STAFF),
    page("metrics_tokens:staff_participant", STAFF, kwargs=_pat),
    page(
        "metrics_tokens:staff_participant",
        STAFF,
        method="post",
        ok=302,
        kwargs=_pat,
        data={"kind": "grant", "amount": 2, "reason": "Matrix"},
    ),
    page(
        "metrics_tokens:staff_refund",
        STAFF,
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w.consume_entry.pk},
        data={"reason": "Matrix"},
    ),
    page("metrics_tokens:fidelity_staff", STAFF),
    page("metrics_tokens:fidelity_staff", STAFF, method="post", ok=302, data=_exercise_body),
    page("metrics_tokens:fidelity_staff_detail", STAFF, kwargs=lambda w: {"pk": w.open_exercise.pk}),
    page(
        "metrics_tokens:fidelity_publish",
        STAFF,
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w.open_exercise.pk},
        data=_publish_body,
    ),
    # The metrics tool's endpoints: its integration token and staff, nobody else.
    api("api:metrics-access", STAFF | TOOL, query="email=pat@example.org"),
    api("api:metrics-reports", STAFF | TOOL, query="email=pat@example.org"),
    api(
        "api:metrics-reports",
        STAFF | TOOL,
        ok=400,  # permission passed; the body is refused: the tool must send an Idempotency-Key
        method="post",
        data=lambda w: {"clinician_email": "pat@example.org"} | _report_body(w),
        content_type="application/json",
        note="without Idempotency-Key",
    ),
    api("api:metrics-my-balance", PARTICIPANTS),
    api("api:metrics-my-reports", PARTICIPANTS),
    api(
        "api:metrics-my-reports",
        PARTICIPANTS,
        ok=400,
        method="post",
        data=BAD,
        content_type="application/json",
        note="bad input",
    ),
    api("api:metrics-my-fidelity", PARTICIPANTS),
    api(
        "api:metrics-my-fidelity-self-scored",
        {"participant"},
        method="post",
        kwargs=lambda w: {"pk": w.own_assignment.pk},
        not_found=NOT_OWNER,
    ),
    api("api:metrics-ledger", STAFF, kwargs=_pat),
    api(
        "api:metrics-ledger",
        STAFF,
        ok=201,
        method="post",
        kwargs=_pat,
        data={"kind": "grant", "amount": 1, "reason": "Matrix"},
        content_type="application/json",
    ),
    api(
        "api:metrics-ledger-refund",
        STAFF,
        ok=201,
        method="post",
        kwargs=lambda w: {"pk": w.consume_entry.pk},
        data={"reason": "Matrix"},
        content_type="application/json",
    ),
    api("api:metrics-fidelity-exercises", STAFF),
    api("api:metrics-fidelity-exercises", STAFF, ok=201, method="post", data=_exercise_body),
    api("api:metrics-fidelity-exercise", STAFF, kwargs=lambda w: {"pk": w.open_exercise.pk}),
    api(
        "api:metrics-fidelity-publish",
        STAFF,
        method="post",
        kwargs=lambda w: {"pk": w.open_exercise.pk},
        data=_publish_body,
    ),
]
