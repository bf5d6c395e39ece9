"""Enrollment's pages and API × every role. `participant` owns every object; others get 404 (or 403 on
staff-only routes, which refuse before looking)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from enrollment import services
from enrollment.models import (
    Application,
    ExtensionRequest,
    ImportBatch,
    InvoiceKind,
    Phase,
    ProgramPolicy,
    TransitionRequest,
)
from tests.enrollment.factories import enrollment

from .base import EVERYONE, PARTICIPANTS, STAFF, Case, World, api, page

OWNER = {"participant"}
NOT_OWNER = EVERYONE - OWNER - STAFF
JSON = "application/json"


def build(world: World) -> None:
    p = world.participant
    # Made directly: another app's world may have enrolled this participant already (the service would refuse).
    world.application = Application.objects.create(participant=p, agreed_to_policy_at=timezone.now())
    # Re-Certification: other apps' matrix worlds open this participant's Phase I and II.
    world.enrollment = enrollment(p, phase=Phase.RECERTIFICATION)
    world.invoice = services.invoice_issue(
        actor=world.staff,
        participant=p,
        kind=InvoiceKind.RECERTIFICATION,
        amount="1000",
        description="Re-Certification fee",
        enrollment=world.enrollment,
    )
    world.transition = TransitionRequest.objects.create(
        enrollment=world.enrollment, to_phase=Phase.MAINTENANCE, requested_by=p
    )
    world.extension = ExtensionRequest.objects.create(
        enrollment=world.enrollment, months=2, reason="leave", requested_by=p
    )
    world.batch = ImportBatch.objects.create(uploaded_by=world.staff, content="email\nx@example.org\n")
    world.policy = ProgramPolicy.objects.first()


def _pk(attr: str) -> Any:
    return lambda w: {"pk": getattr(w, attr).pk}


def _person(w: World) -> dict[str, Any]:
    return {"pk": w.participant.pk}


STAFF_POST = {"method": "post", "ok": 302}


def _by_role(case: Case, **answers: int) -> Case:
    case.expect.update(answers)
    return case


CASES: list[Case] = [
    # Participant pages
    page("enrollment:my_certification", PARTICIPANTS),
    # Applying: the form (200), or a redirect to their page for people enrolled in Phase I already
    # (participant and other_participant, in other apps' worlds); the trainer is in Phase II/TTT only.
    _by_role(page("enrollment:apply", PARTICIPANTS), participant=302, other_participant=302),
    _by_role(
        page("enrollment:apply", PARTICIPANTS, method="post", data={"legal_name": ""}, note="bad input"),
        participant=302,
        other_participant=302,
    ),
    # The profile: the form (200) for the participant, who has one (the certificates world); a redirect
    # to apply for the others, who have none yet.
    _by_role(page("enrollment:profile", PARTICIPANTS), other_participant=302, trainer=302),
    _by_role(
        page("enrollment:profile", PARTICIPANTS, method="post", data={"legal_name": ""}, note="bad input"),
        other_participant=302,
        trainer=302,
    ),
    page(
        "enrollment:request_transition",
        OWNER,
        method="post",
        ok=302,
        kwargs=_pk("enrollment"),
        data={"to_phase": "maintenance"},
        not_found=PARTICIPANTS - OWNER,
    ),
    page(
        "enrollment:request_extension",
        OWNER,
        method="post",
        ok=302,
        kwargs=_pk("enrollment"),
        data={"months": "1", "reason": "illness"},
        not_found=PARTICIPANTS - OWNER,
    ),
    # Staff pages
    page("enrollment:staff_applications", STAFF),
    page("enrollment:staff_application", STAFF, kwargs=_pk("application")),
    page("enrollment:staff_application_approve", STAFF, kwargs=_pk("application"), data={}, **STAFF_POST),
    page(
        "enrollment:staff_application_reject",
        STAFF,
        kwargs=_pk("application"),
        data={"reason": "no"},
        **STAFF_POST,
    ),
    page(
        "enrollment:staff_application_request_info",
        STAFF,
        kwargs=_pk("application"),
        data={"message": "send your license"},
        **STAFF_POST,
    ),
    page("enrollment:staff_participants", STAFF),
    page("enrollment:staff_participant", STAFF, kwargs=_person),
    page(
        "enrollment:staff_invoice_issue",
        STAFF,
        kwargs=_person,
        data={"kind": "other", "amount": "10", "description": "replacement binder"},
        **STAFF_POST,
    ),
    page(
        "enrollment:staff_payment_record",
        STAFF,
        kwargs=_pk("invoice"),
        data={"amount": "100", "paid_on": "2026-01-20", "method": "check"},
        **STAFF_POST,
    ),
    page(
        "enrollment:staff_invoice_waive",
        STAFF,
        kwargs=_pk("invoice"),
        data={"amount": "100", "reason": "hardship"},
        **STAFF_POST,
    ),
    page(
        "enrollment:staff_extension_grant",
        STAFF,
        kwargs=_pk("enrollment"),
        data={"months": "1", "reason": "leave"},
        **STAFF_POST,
    ),
    page("enrollment:staff_continuation_invoice", STAFF, kwargs=_pk("enrollment"), data={}, **STAFF_POST),
    page(
        "enrollment:staff_continuation_record",
        STAFF,
        kwargs=_pk("enrollment"),
        data={"invoice": "0"},
        **STAFF_POST,
    ),
    page(
        "enrollment:staff_enrollment_withdraw",
        STAFF,
        kwargs=_pk("enrollment"),
        data={"reason": "moved abroad"},
        **STAFF_POST,
    ),
    page("enrollment:staff_transitions", STAFF),
    page("enrollment:staff_transition_approve", STAFF, kwargs=_pk("transition"), data={}, **STAFF_POST),
    page(
        "enrollment:staff_transition_refuse",
        STAFF,
        kwargs=_pk("transition"),
        data={"reason": "not yet"},
        **STAFF_POST,
    ),
    page("enrollment:staff_extensions", STAFF),
    page(
        "enrollment:staff_extension_request_grant",
        STAFF,
        kwargs=_pk("extension"),
        data={"months": "1"},
        **STAFF_POST,
    ),
    page(
        "enrollment:staff_extension_request_refuse",
        STAFF,
        kwargs=_pk("extension"),
        data={"reason": "no"},
        **STAFF_POST,
    ),
    page("enrollment:staff_organizations", STAFF),
    page("enrollment:staff_import", STAFF),
    page("enrollment:staff_import", STAFF, method="post", data={}, note="no file"),
    page("enrollment:staff_import_batch", STAFF, kwargs=_pk("batch")),
    page("enrollment:staff_import_commit", STAFF, kwargs=_pk("batch"), data={}, **STAFF_POST),
    # API: reads
    api("api:enrollment-my-certification", PARTICIPANTS),
    api("api:enrollment-policy-list", EVERYONE),
    api("api:enrollment-policy-detail", EVERYONE, kwargs=_pk("policy")),
    api("api:enrollment-organization-list", EVERYONE),
    api("api:enrollment-participant-list", EVERYONE),
    api("api:enrollment-participant-detail", OWNER | STAFF, kwargs=_person, not_found=NOT_OWNER),
    api(
        "api:enrollment-participant-profile",
        OWNER | STAFF,
        method="put",
        ok=400,
        kwargs=_person,
        content_type=JSON,
        data=lambda w: {**_submit_body(), "legal_name": ""},
        not_found=NOT_OWNER,
        note="bad input",
    ),
    api("api:enrollment-application-list", EVERYONE),
    api("api:enrollment-application-detail", OWNER | STAFF, kwargs=_pk("application"), not_found=NOT_OWNER),
    api("api:enrollment-list", EVERYONE),
    api("api:enrollment-detail", OWNER | STAFF, kwargs=_pk("enrollment"), not_found=NOT_OWNER),
    api("api:enrollment-transition-list", EVERYONE),
    api("api:enrollment-extension-request-list", EVERYONE),
    api("api:enrollment-invoice-list", EVERYONE),
    api("api:enrollment-invoice-detail", OWNER | STAFF, kwargs=_pk("invoice"), not_found=NOT_OWNER),
    # API: writes. Bodies that fail validation prove who reaches the service without depending on
    # other apps' completion checks.
    # A body that fails validation: participants reach it (400) whatever their enrollments; others are refused.
    api(
        "api:enrollment-application-list",
        PARTICIPANTS,
        method="post",
        ok=400,
        content_type=JSON,
        data=lambda w: {**_submit_body(), "legal_name": ""},
        note="submit",
    ),
    api(
        "api:enrollment-application-approve",
        STAFF,
        method="post",
        ok=400,
        content_type=JSON,
        data={"start_date": "soon"},
    ),
    api(
        "api:enrollment-application-reject",
        STAFF,
        method="post",
        kwargs=_pk("application"),
        content_type=JSON,
        data={"reason": "no"},
    ),
    api(
        "api:enrollment-application-request-info",
        STAFF,
        method="post",
        kwargs=_pk("application"),
        content_type=JSON,
        data={"message": "more please"},
    ),
    api(
        "api:enrollment-request-transition",
        OWNER | STAFF,
        method="post",
        ok=400,
        kwargs=_pk("enrollment"),
        content_type=JSON,
        data={"to_phase": "nowhere"},
        not_found=NOT_OWNER,
    ),
    api(
        "api:enrollment-request-extension",
        OWNER | STAFF,
        method="post",
        ok=409,
        kwargs=_pk("enrollment"),
        content_type=JSON,
        data={"months": 1, "reason": "illness"},
        not_found=NOT_OWNER,
        note="one already pending",
    ),
    # Re-Certification has no free extension under the policy: staff reach the rule (409).
    api(
        "api:enrollment-extend",
        STAFF,
        method="post",
        ok=409,
        kwargs=_pk("enrollment"),
        content_type=JSON,
        data={"months": 1, "reason": "leave"},
    ),
    api(
        "api:enrollment-continuation",
        STAFF,
        method="post",
        ok=400,
        kwargs=_pk("enrollment"),
        content_type=JSON,
        data={"invoice": 0},
    ),
    # Re-Certification has no paid continuation under the policy: staff reach the rule (409).
    api(
        "api:enrollment-continuation-fee",
        STAFF,
        method="post",
        ok=409,
        kwargs=_pk("enrollment"),
        content_type=JSON,
        data={},
    ),
    api(
        "api:enrollment-withdraw",
        STAFF,
        method="post",
        kwargs=_pk("enrollment"),
        content_type=JSON,
        data={"reason": "moved"},
    ),
    api(
        "api:enrollment-transition-approve",
        STAFF,
        method="post",
        ok=400,
        kwargs=_pk("transition"),
        content_type=JSON,
        data={"start_date": "x"},
    ),
    api(
        "api:enrollment-transition-refuse",
        STAFF,
        method="post",
        kwargs=_pk("transition"),
        content_type=JSON,
        data={"reason": "not yet"},
    ),
    api(
        "api:enrollment-extension-request-grant",
        STAFF,
        method="post",
        ok=409,
        kwargs=_pk("extension"),
        content_type=JSON,
        data={"months": 1},
    ),
    api(
        "api:enrollment-extension-request-refuse",
        STAFF,
        method="post",
        kwargs=_pk("extension"),
        content_type=JSON,
        data={"reason": "no"},
    ),
    api(
        "api:enrollment-invoice-list",
        STAFF,
        method="post",
        ok=201,
        content_type=JSON,
        data=lambda w: {
            "participant": w.participant.pk,
            "kind": "other",
            "amount": "10.00",
            "description": "binder",
        },
        note="issue",
    ),
    api(
        "api:enrollment-invoice-payments",
        STAFF,
        method="post",
        ok=201,
        kwargs=_pk("invoice"),
        content_type=JSON,
        data={"amount": "250.00", "paid_on": "2026-01-20", "method": "check"},
    ),
    api(
        "api:enrollment-invoice-waive",
        STAFF,
        method="post",
        ok=201,
        kwargs=_pk("invoice"),
        content_type=JSON,
        data={"amount": "50", "reason": "hardship"},
    ),
    api(
        "api:enrollment-import",
        STAFF,
        method="post",
        content_type=JSON,
        data={"csv": "email,legal_name,phase,start_date\n", "dry_run": True},
    ),
]


def _submit_body() -> dict[str, Any]:
    return {
        "legal_name": "X",
        "currently_practicing": True,
        "populations_served": ["adults"],
        "prior_case_based_series": True,
        "agreed_to_policy": True,
        "degrees": [{"level": "doctorate", "field": "Psychology", "institution": "U", "year": 2001}],
        "licenses": [
            {"license_type": "LP", "number": "LP-1", "jurisdiction": "MN", "expires_on": "2099-01-01"}
        ],
    }


# Approve on the API with a bad date: staff get 400 (validation); everyone else is refused before it.
CASES[[c.url_name for c in CASES].index("api:enrollment-application-approve")].kwargs = _pk("application")
