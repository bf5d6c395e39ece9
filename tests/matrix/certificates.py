from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from certificates.models import BulkPrintJob, BulkPrintStatus
from certificates.services import certificate_issue
from tests.certificates.factories import completed_enrollment, profile

from .base import ADMIN, EVERYONE, STAFF, Case, World, api, page, public

OWNER_OR_STAFF = {"participant"} | STAFF


def build(world: World) -> None:
    profile(world.participant, "Pat Participant")
    # Phase II/TTT completions: other apps' matrix worlds give these people Phase I records of their own.
    world.certificate = certificate_issue(
        actor=world.admin, enrollment=completed_enrollment(world.participant, phase="phase2")
    )
    world.awaiting = completed_enrollment(world.other_participant, phase="phase2")
    folder = Path(settings.MEDIA_ROOT) / "certificates" / "bulk" / "matrix"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "all.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    (folder / "all.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    world.job = BulkPrintJob.objects.create(
        created_by=world.admin,
        status=BulkPrintStatus.DONE,
        certificate_ids=[world.certificate.pk],
        total=1,
        done_count=1,
        combined_pdf="certificates/bulk/matrix/all.pdf",
        zip_file="certificates/bulk/matrix/all.zip",
    )


def _cert(world: World) -> dict[str, Any]:
    return {"pk": world.certificate.pk}


def _code(world: World) -> dict[str, Any]:
    return {"code": world.certificate.verification_code}


def _job(world: World) -> dict[str, Any]:
    return {"pk": world.job.pk}


def _job_pdf(world: World) -> dict[str, Any]:
    return {"pk": world.job.pk, "kind": "pdf"}


def _issue(world: World) -> dict[str, Any]:
    return {"enrollments": [world.awaiting.pk]}


# Another participant's certificate does not exist for them (404); mentors have no certificate pages.
NOT_OWNER = {"other_participant", "trainer"}

CASES: list[Case] = [
    page("certificates:mine", {"participant", "other_participant", "trainer"}),
    page("certificates:manage", STAFF),
    page("certificates:issue", ADMIN, method="post", ok=302, data=_issue),
    page("certificates:detail", OWNER_OR_STAFF, kwargs=_cert, not_found=NOT_OWNER),
    page("certificates:download", OWNER_OR_STAFF, kwargs=_cert, not_found=NOT_OWNER),
    page(
        "certificates:revoke", ADMIN, method="post", ok=302, kwargs=_cert, data={"reason": "Issued in error"}
    ),
    page(
        "certificates:reissue",
        ADMIN,
        method="post",
        ok=302,
        kwargs=_cert,
        data={"reason": "Name corrected", "legal_name": "Pat Q. Participant"},
    ),
    page("certificates:bulk", ADMIN),
    page("certificates:bulk", ADMIN, method="post", ok=302, data={"level": "phase2"}),
    page("certificates:bulk_job", ADMIN, kwargs=_job),
    page("certificates:bulk_job_progress", ADMIN, kwargs=_job),
    page("certificates:bulk_job_download", ADMIN, kwargs=_job_pdf),
    public("verify_lookup"),
    public("verify", kwargs=_code),
    public("verify_json", kwargs=_code),
    api("api:certificate-list", EVERYONE),
    api(
        "api:certificate-list",
        ADMIN,
        method="post",
        ok=201,
        data=lambda w: {"enrollment_ids": [w.awaiting.pk]},
        content_type="application/json",
    ),
    api("api:certificate-issuable", STAFF),
    api("api:certificate-detail", OWNER_OR_STAFF, kwargs=_cert, not_found=EVERYONE - OWNER_OR_STAFF),
    api("api:certificate-download", OWNER_OR_STAFF, kwargs=_cert, not_found=EVERYONE - OWNER_OR_STAFF),
    api(
        "api:certificate-revoke",
        ADMIN,
        method="post",
        kwargs=_cert,
        data={"reason": "Issued in error"},
        content_type="application/json",
    ),
    api(
        "api:certificate-reissue",
        ADMIN,
        method="post",
        ok=201,
        kwargs=_cert,
        data={"reason": "Name corrected"},
        content_type="application/json",
    ),
    api("api:certificate-bulk-job-list", ADMIN),
    api(
        "api:certificate-bulk-job-list",
        ADMIN,
        method="post",
        ok=201,
        data={"level": "phase2"},
        content_type="application/json",
    ),
    api("api:certificate-bulk-job-detail", ADMIN, kwargs=_job),
    api("api:certificate-bulk-job-download", ADMIN, kwargs=_job_pdf),
    public("api:certificate-verify", kwargs=_code),
]
