"""Permission matrix of the Maintenance, Re-Certification, rule preview, reminders and presentation
pages and API. Owners here: other_participant (a Maintenance year due for renewal) and trainer (a
presentation); the participant's Maintenance and Re-Certification come from other apps' worlds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from maintenance import services
from tests.maintenance.factories import enrollment

from .base import EVERYONE, PARTICIPANTS, STAFF, Case, World, api, page

JSON = "application/json"
OWNER = {"other_participant"}
TRAINER = {"trainer"}
POST_OK = {"method": "post", "ok": 302}


def build(world: World) -> None:
    today = timezone.localdate()
    world.m_year = enrollment(
        world.other_participant,
        "maintenance",
        today - timedelta(days=380),
        "renewal_due",
        term_end=today - timedelta(days=15),
    )
    world.m_flagged = enrollment(
        world.mentor,
        "maintenance",
        today - timedelta(days=380),
        "renewal_due",
        term_end=today - timedelta(days=15),
        flagged_for_review=True,
        flag_reason="Maintenance year requirements not met: Fidelity Exercise",
    )
    world.m_presentation = services.presentation_submit(
        actor=world.trainer,
        title="Matrix talk",
        audience="Teachers",
        planned_on=today + timedelta(days=10),
        venue="Online",
        slides=SimpleUploadedFile("talk.pdf", b"%PDF-1.4 matrix\n", content_type="application/pdf"),
    )


def _pk(attr: str) -> Any:
    return lambda w: {"pk": getattr(w, attr).pk}


SEES_PRESENTATION = TRAINER | STAFF
NOT_PRESENTATION = EVERYONE - SEES_PRESENTATION

CASES: list[Case] = [
    page("maintenance:overview", PARTICIPANTS),
    page("maintenance:renew", PARTICIPANTS, **POST_OK),
    page("maintenance:recertification_start", PARTICIPANTS, **POST_OK),
    page("maintenance:reminders", PARTICIPANTS),
    page("maintenance:presentations", TRAINER),
    page("maintenance:presentations", TRAINER, method="post", data={"title": ""}, note="invalid"),
    page(
        "maintenance:presentation_detail",
        SEES_PRESENTATION,
        kwargs=_pk("m_presentation"),
        not_found=NOT_PRESENTATION,
    ),
    # Editing is for a returned presentation's trainer: this one is submitted, so the page says so.
    page(
        "maintenance:presentation_detail",
        SEES_PRESENTATION,
        kwargs=_pk("m_presentation"),
        not_found=NOT_PRESENTATION,
        method="post",
        ok=302,
        data={"title": "Renamed"},
        note="edit",
    ),
    page(
        "maintenance:presentation_slides",
        SEES_PRESENTATION,
        kwargs=_pk("m_presentation"),
        not_found=NOT_PRESENTATION,
    ),
    page(
        "maintenance:presentation_deliver",
        SEES_PRESENTATION,
        kwargs=_pk("m_presentation"),
        not_found=NOT_PRESENTATION,
        data={"delivered_on": ""},
        **POST_OK,
    ),
    page(
        "maintenance:presentation_withdraw",
        SEES_PRESENTATION,
        kwargs=_pk("m_presentation"),
        not_found=NOT_PRESENTATION,
        **POST_OK,
    ),
    page(
        "maintenance:presentation_review",
        STAFF,
        kwargs=_pk("m_presentation"),
        data={"decision": "return", "comments": "Shorten it."},
        **POST_OK,
    ),
    page("maintenance:presentation_queue", STAFF),
    page("maintenance:preview", STAFF),
    page("maintenance:preview", STAFF, query="days=90", note="90 days"),
    page("maintenance:flagged", STAFF),
    page(
        "maintenance:flagged_decide",
        STAFF,
        kwargs=_pk("m_flagged"),
        data={"decision": "recertify", "reason": "No reports at all."},
        **POST_OK,
    ),
    page("maintenance:recertifications", STAFF),
    page("maintenance:recertification_approve", STAFF, kwargs=_pk("m_year"), **POST_OK),
    # API
    api("api:maintenance-renewals", EVERYONE),
    api(
        "api:maintenance-renewals",
        OWNER | STAFF,
        method="post",
        ok=201,
        not_found=EVERYONE - OWNER - STAFF,
        data=lambda w: {"enrollment": w.m_year.pk},
        content_type=JSON,
    ),
    api(
        "api:maintenance-flag-decide",
        STAFF,
        method="post",
        kwargs=_pk("m_flagged"),
        data={"decision": "recertify", "reason": "No reports at all."},
        content_type=JSON,
    ),
    api("api:maintenance-recertifications", EVERYONE),
    # Nobody in the cast needs Re-Certification: the request is understood and refused (409).
    api("api:maintenance-recertifications", EVERYONE, method="post", ok=409, data={}, content_type=JSON),
    api(
        "api:maintenance-recertification-approve",
        STAFF,
        method="post",
        ok=409,
        kwargs=_pk("m_year"),
        data={},
        content_type=JSON,
    ),
    api("api:maintenance-rule-preview", STAFF),
    api("api:maintenance-rule-preview", STAFF, query="as_of=2030-01-01", note="as_of"),
    api("api:maintenance-reminders", EVERYONE),
    api("api:maintenance-presentations", EVERYONE),
    api(
        "api:maintenance-presentations",
        TRAINER,
        method="post",
        ok=400,
        data={"title": "no file"},
        note="invalid",
    ),
    api(
        "api:maintenance-presentation-detail",
        SEES_PRESENTATION,
        kwargs=_pk("m_presentation"),
        not_found=NOT_PRESENTATION,
    ),
    api(
        "api:maintenance-presentation-review",
        STAFF,
        method="post",
        kwargs=_pk("m_presentation"),
        data={"decision": "approve"},
        content_type=JSON,
    ),
    api(
        "api:maintenance-presentation-delivered",
        SEES_PRESENTATION,
        method="post",
        ok=400,
        kwargs=_pk("m_presentation"),
        not_found=NOT_PRESENTATION,
        data={},
        content_type=JSON,
    ),
    api(
        "api:maintenance-presentation-withdraw",
        TRAINER,
        method="post",
        kwargs=_pk("m_presentation"),
        not_found=NOT_PRESENTATION,
        content_type=JSON,
    ),
]
# Staff can see a trainer's presentation but only its trainer withdraws it.
CASES[-1].expect.update({"staff": 403, "admin": 403})
