"""Staff console: staff and admins only; participants, mentors and trainers never reach any of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from staff_console.models import EvidencePackJob, EvidencePackStatus

from .base import STAFF, Case, World, api, page


def build(world: World) -> None:
    folder = Path(settings.MEDIA_ROOT) / "staff_console" / "evidence" / "matrix"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    (folder / "pack.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    world.evidence_job = EvidencePackJob.objects.create(
        participant=world.participant,
        requested_by=world.staff,
        status=EvidencePackStatus.DONE,
        pdf_file="staff_console/evidence/matrix/pack.pdf",
        zip_file="staff_console/evidence/matrix/pack.zip",
    )


def _job(world: World) -> dict[str, Any]:
    return {"pk": world.evidence_job.pk}


def _job_zip(world: World) -> dict[str, Any]:
    return {"pk": world.evidence_job.pk, "kind": "zip"}


def _person(world: World) -> dict[str, Any]:
    return {"pk": world.participant.pk}


def _section(world: World) -> dict[str, Any]:
    return {"pk": world.participant.pk, "section": "history"}


def _queue(world: World) -> dict[str, Any]:
    return {"key": "applications"}


CASES: list[Case] = [
    page("staff_console:home", STAFF),
    page("staff_console:queue", STAFF, kwargs=_queue),
    page("staff_console:queue_export", STAFF, kwargs=_queue),
    page(
        "staff_console:queue_remind",
        STAFF,
        method="post",
        ok=302,
        kwargs=_queue,
        data={"subject": "Hello", "body": "A reminder"},
    ),
    page(
        "staff_console:queue_assign",
        STAFF,
        method="post",
        ok=302,
        kwargs={"key": "no_group"},
        data={"ids": [], "group": ""},
    ),
    page("staff_console:search", STAFF),
    page("staff_console:search", STAFF, method="post", data={"license_number": "LPC-1"}),
    page("staff_console:participant", STAFF, kwargs=_person),
    page("staff_console:participant_section", STAFF, kwargs=_section),
    page("staff_console:evidence_start", STAFF, method="post", ok=302, kwargs=_person),
    page("staff_console:evidence_job", STAFF, kwargs=_job),
    page("staff_console:evidence_download", STAFF, kwargs=_job_zip),
    api("api:staff-evidence-start", STAFF, method="post", ok=201, kwargs=_person),
    api("api:staff-evidence-job", STAFF, kwargs=_job),
    page("staff_console:audit", STAFF),
    page("staff_console:audit_export", STAFF),
    api("api:staff-audit-list", STAFF),
    page("staff_console:reports", STAFF),
    page("staff_console:report_export", STAFF, kwargs={"key": "cohorts"}),
    api("api:staff-queue-list", STAFF),
    api("api:staff-queue-detail", STAFF, kwargs=_queue),
    api(
        "api:staff-queue-remind",
        STAFF,
        method="post",
        ok=400,
        kwargs=_queue,
        data={"ids": [], "subject": "Hello", "body": "A reminder"},
        content_type="application/json",
        note="(nothing chosen)",
    ),
    api(
        "api:staff-participant-search",
        STAFF,
        method="post",
        data={"q": "pat"},
        content_type="application/json",
    ),
    api(
        "api:staff-queue-assign",
        STAFF,
        method="post",
        ok=400,
        kwargs={"key": "no_group"},
        data={"ids": [1], "group": 0},
        content_type="application/json",
        note="(no such group)",
    ),
    api("api:staff-participant-detail", STAFF, kwargs=_person),
    api("api:staff-report-list", STAFF),
    api("api:staff-report-detail", STAFF, kwargs={"key": "tokens"}),
]
