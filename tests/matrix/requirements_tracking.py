"""Permission matrix of the requirement checklists: the participant's checklist answers 404 to other
participants and to mentors of other groups; the mentor of the participant's study group reads it
(never changes it: 403); staff see everything; recording, undoing and signing are the owner's alone
(staff get 403); verifying is staff's alone."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.services import calendar_feed_for
from enrollment.models import Phase, ProgramPolicy
from enrollment.services import enrollment_open
from requirements_tracking.call_services import call_attendance_record
from requirements_tracking.models import (
    AttestationText,
    CallSeries,
    Checklist,
    ChecklistRequirement,
    ChecklistStatus,
)
from requirements_tracking.services import checklist_get_or_create, entry_record, expected_signer_name

from .base import EVERYONE, PARTICIPANTS, ROLES, STAFF, Case, World, api, page, public

PDF = b"%PDF-1.4\n% test evidence\n%%EOF\n"
PAST_CALL = ("metric", "2026-10-15")  # third Thursday of October 2026


def build(world: World) -> None:
    policy = ProgramPolicy.objects.get(name="December 2025")
    enrollment = enrollment_open(
        actor=None,
        participant=world.participant,
        phase=Phase.PHASE_1,
        start_date=date(2026, 1, 5),
        policy=policy,
    )
    world.rt_enrollment = enrollment
    checklist = checklist_get_or_create(enrollment)
    world.rt_checklist = checklist
    core = ChecklistRequirement.objects.get(checklist=checklist, code="core_series")
    world.rt_requirement = core
    world.rt_entry = entry_record(
        actor=world.participant,
        requirement=core,
        number=1,
        completed_on=date(2026, 2, 1),
        evidence=SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf"),
    )
    # A signed checklist (Phase II of the same participant) for the review, PDF and integrity cases.
    phase2 = enrollment_open(
        actor=None,
        participant=world.participant,
        phase=Phase.PHASE_2,
        start_date=date(2026, 1, 5),
        policy=policy,
    )
    signed = checklist_get_or_create(phase2)
    Checklist.objects.filter(pk=signed.pk).update(
        status=ChecklistStatus.SIGNED,
        signed_by=world.participant,
        signed_at=timezone.now(),
        signed_name="Pat Participant",
        attestation=AttestationText.objects.order_by("-version").first(),
        content_hash="0" * 64,
    )
    world.rt_signed = signed
    world.rt_feed = calendar_feed_for(world.participant)
    series = CallSeries.objects.get(code="community")
    call_attendance_record(
        actor=world.participant, series=series, original_date=date(2026, 10, 22), mode="live"
    )


def _checklist(world: World) -> dict[str, Any]:
    return {"pk": world.rt_checklist.pk}


def _signed(world: World) -> dict[str, Any]:
    return {"pk": world.rt_signed.pk}


def _requirement(world: World) -> dict[str, Any]:
    return {"pk": world.rt_checklist.pk, "rpk": world.rt_requirement.pk}


def _entry(world: World) -> dict[str, Any]:
    return {"pk": world.rt_entry.pk}


def _enrollment(world: World) -> dict[str, Any]:
    return {"pk": world.rt_enrollment.pk}


def _call(*_: Any) -> dict[str, Any]:
    return {"series": PAST_CALL[0], "day": PAST_CALL[1]}


def _attended(*_: Any) -> dict[str, Any]:
    return {"series": "community", "day": "2026-10-22"}


def _no_checklist(world: World) -> dict[str, Any]:
    return {"pk": world.awaiting.pk}


NO_CHECKLIST_OWNER_STAFF = {"other_participant"} | STAFF
READER = {"mentor"}  # leads the participant's study group in the matrix world (tests/matrix/study_groups.py)
OWNER_STAFF = {"participant"} | STAFF
READERS = OWNER_STAFF | READER
OTHERS = EVERYONE - READERS  # other participants, another group's mentor, trainer: 404


def _custom(url_name: str, expect: dict[str, Any], **kw: Any) -> Case:
    return Case(url_name, {role: expect.get(role, expect["*"]) for role in ROLES}, **kw)


CASES: list[Case] = [
    page("requirements_tracking:my_checklist", PARTICIPANTS, ok=302),
    page("requirements_tracking:review_queue", STAFF),
    page("requirements_tracking:my_checklists", PARTICIPANTS),
    page(
        "requirements_tracking:enrollment_checklist",
        OWNER_STAFF,
        ok=302,
        kwargs=_enrollment,
        not_found=OTHERS | READER,  # by enrollment: the owner's and staff's way in; mentors use the checklist
    ),
    # A finished phase without a checklist (tests/matrix/certificates.py): looking at it changes
    # nothing; its participant or staff open it with a POST.
    page(
        "requirements_tracking:enrollment_checklist",
        NO_CHECKLIST_OWNER_STAFF,
        kwargs=_no_checklist,
        not_found=EVERYONE - NO_CHECKLIST_OWNER_STAFF,
        note="none yet",
    ),
    page(
        "requirements_tracking:enrollment_checklist",
        NO_CHECKLIST_OWNER_STAFF,
        method="post",
        ok=302,
        kwargs=_no_checklist,
        not_found=EVERYONE - NO_CHECKLIST_OWNER_STAFF,
        note="opens it",
    ),
    page("requirements_tracking:checklist_detail", READERS, kwargs=_checklist, not_found=OTHERS),
    page(
        "requirements_tracking:entry_record",
        {"participant"},
        method="post",
        ok=302,
        kwargs=_requirement,
        data={"number": 2, "completed_on": "2026-02-02", "mode": "live"},
        not_found=OTHERS,
    ),
    page("requirements_tracking:checklist_sign", {"participant"}, kwargs=_checklist, not_found=OTHERS),
    page(
        "requirements_tracking:checklist_sign",
        {"participant"},
        method="post",
        kwargs=_checklist,
        data={"full_name": "Someone Else", "password": "x", "attestation_version": 1, "attest": "on"},
        not_found=OTHERS,
    ),
    page("requirements_tracking:checklist_integrity", READERS, kwargs=_signed, not_found=OTHERS),
    page(
        "requirements_tracking:checklist_review",
        STAFF,
        method="post",
        ok=302,
        kwargs=_signed,
        data={"decision": "verify"},
    ),
    page("requirements_tracking:checklist_pdf", READERS, kwargs=_signed, not_found=OTHERS),
    page(
        "requirements_tracking:entry_undo",
        {"participant"},
        method="post",
        ok=302,
        kwargs=_entry,
        not_found=OTHERS,
    ),
    page("requirements_tracking:entry_evidence", READERS, kwargs=_entry, not_found=OTHERS),
    page("requirements_tracking:agreement", EVERYONE),
    page(
        "requirements_tracking:agreement",
        PARTICIPANTS,
        method="post",
        data={"full_name": "Nobody", "agree": "on"},
    ),
    page("requirements_tracking:calls", EVERYONE),
    page(
        "requirements_tracking:call_attend",
        EVERYONE,
        method="post",
        ok=302,
        kwargs=_call,
        data={"mode": "live"},
    ),
    page("requirements_tracking:call_attendance_undo", EVERYONE, method="post", ok=302, kwargs=_attended),
    page("requirements_tracking:call_manage", STAFF, kwargs=_call),
    page(
        "requirements_tracking:call_manage",
        STAFF,
        method="post",
        ok=302,
        kwargs=_call,
        data={"recording_url": "https://example.org/recording"},
    ),
    page("requirements_tracking:calendar_feed", EVERYONE),
    page("requirements_tracking:calendar_feed_rotate", EVERYONE, method="post", ok=302),
    public("requirements_tracking:calendar_ics", kwargs=lambda w: {"token": w.rt_feed.token}),
    api("api:requirements-checklist-list", EVERYONE),
    api("api:requirements-checklist-detail", READERS, kwargs=_checklist, not_found=OTHERS),
    api("api:requirements-checklist-progress", READERS, kwargs=_checklist, not_found=OTHERS),
    api("api:requirements-enrollment-checklist", OWNER_STAFF, kwargs=_enrollment, not_found=OTHERS | READER),
    api(
        "api:requirements-enrollment-checklist",
        set(),
        kwargs=_no_checklist,
        not_found=EVERYONE,  # its participant and staff too: there is none yet
        note="none yet",
    ),
    api(
        "api:requirements-enrollment-checklist",
        NO_CHECKLIST_OWNER_STAFF,
        method="post",
        ok=201,
        kwargs=_no_checklist,
        not_found=EVERYONE - NO_CHECKLIST_OWNER_STAFF,
        note="opens it",
    ),
    api(
        "api:requirements-entry-create",
        {"participant"},
        method="post",
        ok=201,
        kwargs=_requirement,
        data={"number": 3, "completed_on": "2026-02-03", "mode": "recording"},
        content_type="application/json",
        not_found=OTHERS,
    ),
    api(
        "api:requirements-entry-undo", {"participant"}, method="post", ok=204, kwargs=_entry, not_found=OTHERS
    ),
    # Signing with a wrong name: the owner is told why (400); staff may not sign (403).
    api(
        "api:requirements-checklist-sign",
        {"participant"},
        method="post",
        ok=400,
        kwargs=_checklist,
        data={"full_name": "Someone Else", "password": "x", "attestation_version": 1},
        content_type="application/json",
        not_found=OTHERS,
    ),
    api("api:requirements-checklist-integrity", READERS, kwargs=_signed, not_found=OTHERS),
    api(
        "api:requirements-checklist-review",
        STAFF,
        method="post",
        kwargs=_signed,
        data={"decision": "verify"},
        content_type="application/json",
    ),
    api("api:requirements-agreement", EVERYONE),
    _custom(
        "api:requirements-agreement-sign",
        {"*": 403, "anonymous": 401, "participant": 201, "other_participant": 400, "trainer": 400},
        method="post",
        data=lambda w: {
            "version": 1,
            "full_name": expected_signer_name(type(w.participant).objects.get(pk=w.participant.pk)),
        },
        content_type="application/json",
    ),
    api("api:requirements-call-list", EVERYONE),
    api(
        "api:requirements-call-attend",
        EVERYONE,
        method="post",
        ok=201,
        kwargs=_call,
        data={"mode": "recording"},
        content_type="application/json",
    ),
    _custom(
        "api:requirements-call-attendance-undo",
        {"*": 409, "anonymous": 401, "integration": 403, "participant": 204},
        method="post",
        kwargs=_attended,
    ),
    api(
        "api:requirements-call-manage",
        STAFF,
        method="post",
        kwargs=_call,
        data={"cancelled": True},
        content_type="application/json",
    ),
]
