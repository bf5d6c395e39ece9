"""The evidence pack: queued on commit, built once, with a PDF and a zip of the original files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse

from certificates.services import certificate_issue
from enrollment.models import Enrollment
from requirements_tracking.integrity import content_hash
from requirements_tracking.models import Checklist, ChecklistEntry, ChecklistRequirement
from staff_console.evidence import evidence_pack_build
from staff_console.models import EvidencePackJob
from tests.certificates.factories import completed_enrollment

from .factories import TODAY, at, participant, seed

pytestmark = pytest.mark.django_db

SCAN = b"%PDF-1.4\n% attendance certificate scan\n%%EOF\n"


def _participant_with_evidence(cast: Any) -> Any:
    (user,) = seed(1)
    signed = Checklist.objects.get(enrollment__participant=user)
    phase2 = Enrollment.objects.create(
        participant=user,
        phase="phase2",
        policy=signed.enrollment.policy,
        status="active",
        start_date=TODAY,
        term_end=date(2028, 6, 15),
    )
    checklist = Checklist.objects.create(enrollment=phase2)
    requirement = ChecklistRequirement.objects.create(
        checklist=checklist,
        code="core_series",
        name="NMT Core Certification Series",
        kind="sessions",
        target=10,
    )
    entry = ChecklistEntry(
        requirement=requirement,
        number=1,
        completed_on=TODAY,
        recorded_by=user,
        evidence_name="session1.pdf",
        evidence_sha256=hashlib.sha256(SCAN).hexdigest(),
        evidence_size=len(SCAN),
        evidence_type="application/pdf",
    )
    entry.evidence.save("session1.pdf", ContentFile(SCAN), save=False)
    entry.save()
    fields = {
        "status": "signed",
        "signed_at": at(TODAY),
        "signed_by": user,
        "signed_name": "First1 Last001",
        "attestation": signed.attestation,
    }
    for name, value in fields.items():
        setattr(checklist, name, value)
    Checklist.objects.filter(pk=checklist.pk).update(**fields, content_hash=content_hash(checklist))
    return user


def _start(client: Any, user: Any, capture: Any) -> EvidencePackJob:
    with capture(execute=False) as callbacks:
        response = client.post(reverse("staff_console:evidence_start", args=[user.pk]))
    assert response.status_code == 302
    assert len(callbacks) == 1  # the task is queued on commit
    return EvidencePackJob.objects.get(participant=user)


def test_it_builds_the_pdf_and_the_zip(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    user = _participant_with_evidence(cast)
    certificate = certificate_issue(actor=cast.admin, enrollment=completed_enrollment(user, phase="phase2"))
    client = cast.client_for("staff")
    job = _start(client, user, django_capture_on_commit_callbacks)
    partial = client.get(reverse("staff_console:evidence_job", args=[job.pk])).content.decode()
    assert "every 2s" in partial  # still queued: the page polls

    assert evidence_pack_build(job.pk) is True
    assert evidence_pack_build(job.pk) is False  # safe to run twice: built once
    job.refresh_from_db()
    assert job.status == "done" and job.percent == 100
    assert job.summary["checklists"] == 2 and job.summary["checklists_intact"] == 1

    text = subprocess.run(
        ["pdftotext", str(Path(settings.MEDIA_ROOT) / job.pdf_file), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for expected in (
        "Evidence pack",
        "LPC-000001",
        "NMT Core Certification Series",
        "intact",
        "Phase I fee",
        "Fidelity",
        certificate.number,
        "Family leave",
    ):
        assert expected in text, expected

    with zipfile.ZipFile(Path(settings.MEDIA_ROOT) / job.zip_file) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        scan_name = next(n for n in names if n.endswith("session1.pdf"))
        assert archive.read(scan_name) == SCAN
        assert f"certificates/{certificate.number}.pdf" in names
    assert {f["name"]: f["sha256"] for f in manifest["files"]}[scan_name] == hashlib.sha256(SCAN).hexdigest()
    # The seeded presentation's slides were never uploaded: listed as missing, not a failure.
    assert [m.split("/")[0] for m in manifest["missing"]] == ["presentations"]

    partial = client.get(reverse("staff_console:evidence_job", args=[job.pk])).content.decode()
    assert "every 2s" not in partial and "zip" in partial
    download = client.get(reverse("staff_console:evidence_download", args=[job.pk, "zip"]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_a_tampered_checklist_shows_in_the_pack(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    user = _participant_with_evidence(cast)
    entry = ChecklistEntry.objects.get(requirement__checklist__enrollment__participant=user)
    Path(entry.evidence.path).write_bytes(b"%PDF-1.4 something else")
    job = _start(cast.client_for("staff"), user, django_capture_on_commit_callbacks)
    evidence_pack_build(job.pk)
    job.refresh_from_db()
    assert job.summary["checklists_intact"] == 0
    text = subprocess.run(
        ["pdftotext", str(Path(settings.MEDIA_ROOT) / job.pdf_file), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "DOES NOT MATCH" in text


def test_record_page_offers_the_pack(cast: Any) -> None:
    user = participant(1)
    page = cast.client_for("staff").get(reverse("staff_console:participant", args=[user.pk])).content.decode()
    assert reverse("staff_console:evidence_start", args=[user.pk]) in page


def test_api_starts_and_reports_a_pack(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    user = participant(1)
    client = cast.client_for("staff")
    with django_capture_on_commit_callbacks(execute=False):
        started = client.post(reverse("api:staff-evidence-start", args=[user.pk]))
    assert started.status_code == 201 and started.json()["status"] == "queued"
    evidence_pack_build(started.json()["id"])
    body = client.get(reverse("api:staff-evidence-job", args=[started.json()["id"]])).json()
    assert body["status"] == "done" and body["zip"].endswith("/zip/")
