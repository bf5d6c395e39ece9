"""The certificates API: list, issue, revoke, reissue, download, issuable, bulk jobs and progress."""

from __future__ import annotations

from typing import Any

import pytest

from certificates.models import BulkPrintJob, Certificate
from tests.certificates.factories import completed_enrollment, many_certificates, profile

pytestmark = pytest.mark.django_db


def test_issue_list_revoke_reissue(cast: Any) -> None:
    profile(cast.participant, "Pat Participant")
    enrollment = completed_enrollment(cast.participant)
    admin = cast.client_for("admin")
    assert admin.get("/api/v1/certificates/issuable/").json()["results"][0]["enrollment_id"] == enrollment.pk
    response = admin.post(
        "/api/v1/certificates/", {"enrollment_ids": [enrollment.pk, 999999]}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    issued = body["issued"][0]
    assert issued["legal_name"] == "Pat Participant" and issued["status"] == "valid"
    assert issued["verification_url"].endswith(f"/verify/{issued['verification_code']}/")
    assert body["refused"] == [{"enrollment_id": 999999, "message": "No such enrollment."}]
    again = admin.post(
        "/api/v1/certificates/", {"enrollment_ids": [enrollment.pk]}, content_type="application/json"
    )
    assert again.status_code == 409 and "current certificate" in again.json()["refused"][0]["message"]

    mine = cast.client_for("participant").get("/api/v1/certificates/").json()
    assert [c["number"] for c in mine["results"]] == [issued["number"]]
    assert cast.client_for("other_participant").get("/api/v1/certificates/").json()["results"] == []

    pk = issued["id"]
    bad = admin.post(f"/api/v1/certificates/{pk}/reissue/", {"reason": ""}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    new = admin.post(
        f"/api/v1/certificates/{pk}/reissue/", {"reason": "Name corrected", "legal_name": "Patricia P."},
        content_type="application/json",
    ).json()  # fmt: skip
    assert new["legal_name"] == "Patricia P." and new["number"] != issued["number"]
    old = admin.get(f"/api/v1/certificates/{pk}/").json()
    assert old["status"] == "superseded" and old["superseded_by"] == new["number"]
    revoked = admin.post(
        f"/api/v1/certificates/{new['id']}/revoke/",
        {"reason": "Completion reversed"},
        content_type="application/json",
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = admin.post(
        f"/api/v1/certificates/{new['id']}/revoke/", {"reason": "x"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "certificate_conflict"
    filtered = admin.get("/api/v1/certificates/", {"status": "revoked"}).json()
    assert [c["id"] for c in filtered["results"]] == [new["id"]]


def test_staff_cannot_issue_or_revoke_through_the_api(cast: Any) -> None:
    enrollment = completed_enrollment(cast.participant)
    staff = cast.client_for("staff")
    response = staff.post(
        "/api/v1/certificates/", {"enrollment_ids": [enrollment.pk]}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_allowed"
    assert not Certificate.objects.exists()


def test_bulk_jobs_and_their_progress(cast: Any) -> None:
    many_certificates(3)
    admin = cast.client_for("admin")
    bad = admin.post(
        "/api/v1/certificates/bulk-jobs/", {"completed_from": "2026-10-01", "completed_to": "2026-01-01"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 400 and "completed_to" in bad.json()["error"]["fields"]
    response = admin.post(
        "/api/v1/certificates/bulk-jobs/",
        {"level": "phase1", "not_printed": True},
        content_type="application/json",
    )
    assert response.status_code == 201
    job = response.json()
    assert (
        job["status"] == "queued"
        and job["total"] == 3
        and job["percent"] == 0
        and job["combined_pdf_url"] is None
    )
    from certificates.bulk import run_bulk_print

    run_bulk_print(job["id"])
    done = admin.get(f"/api/v1/certificates/bulk-jobs/{job['id']}/").json()
    assert done["status"] == "done" and done["percent"] == 100 and done["done_count"] == 3
    pdf = admin.get(done["combined_pdf_url"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert admin.get(done["zip_url"]).status_code == 200
    assert admin.get(f"/api/v1/certificates/bulk-jobs/{job['id']}/nope/").status_code == 404
    assert [j["id"] for j in admin.get("/api/v1/certificates/bulk-jobs/").json()] == [job["id"]]
    assert BulkPrintJob.objects.count() == 1
