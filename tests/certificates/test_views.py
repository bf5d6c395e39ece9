"""Pages: who sees and downloads what; issuing, revoking and reissuing through the pages; home panels."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry
from certificates import services
from certificates.models import BulkPrintJob, Certificate, CertificateStatus
from tests.certificates.factories import completed_enrollment, many_certificates, profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(cast: Any) -> Any:
    profile(cast.participant, "Pat Participant")
    return services.certificate_issue(actor=cast.admin, enrollment=completed_enrollment(cast.participant))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("participant", 200),
        ("staff", 200),
        ("admin", 200),
        ("other_participant", 404),
        ("trainer", 404),
        ("mentor", 403),
    ],
)
def test_only_the_owner_staff_and_admins_download(
    cast: Any, certificate: Any, role: str, expected: int
) -> None:
    for url in (f"/certificates/{certificate.pk}/pdf/", f"/api/v1/certificates/{certificate.pk}/pdf/"):
        response = cast.client_for(role).get(url)
        api_expected = 404 if (url.startswith("/api") and expected == 403) else expected
        assert response.status_code == api_expected, (url, role)
        if expected == 200:
            assert response["Content-Type"] == "application/pdf"
            assert response.content.startswith(b"%PDF")
            assert f'filename="{certificate.number}.pdf"' in response["Content-Disposition"]


def test_anonymous_download_goes_to_sign_in(client: Any, certificate: Any) -> None:
    response = client.get(f"/certificates/{certificate.pk}/pdf/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(f"/api/v1/certificates/{certificate.pk}/pdf/").status_code == 401


def test_a_participant_sees_their_own_certificates_and_the_home_panel(cast: Any, certificate: Any) -> None:
    client = cast.client_for("participant")
    page = client.get("/certificates/").content.decode()
    assert certificate.number in page and "Download PDF" in page
    home = client.get("/").content.decode()
    assert "Your certificates" in home and certificate.number in home
    other = cast.client_for("other_participant").get("/certificates/").content.decode()
    assert certificate.number not in other and "no certificate yet" in other


def test_an_admin_issues_from_the_awaiting_list(cast: Any) -> None:
    profile(cast.participant, "Pat Participant")
    enrollment = completed_enrollment(cast.participant)
    admin = cast.client_for("admin")
    page = admin.get("/certificates/all/").content.decode()
    assert (
        "Completions awaiting a certificate" in page
        and "Pat Participant" in page
        and "Issue selected" in page
    )
    staff_page = cast.client_for("staff").get("/certificates/all/").content.decode()
    assert "Pat Participant" in staff_page and "Issue selected" not in staff_page
    assert (
        cast.client_for("staff").post("/certificates/issue/", {"enrollments": [enrollment.pk]}).status_code
        == 403
    )
    response = admin.post("/certificates/issue/", {"enrollments": [enrollment.pk]})
    certificate = Certificate.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/certificates/{certificate.pk}/"
    # Nothing chosen: explained, nothing issued.
    response = admin.post("/certificates/issue/", {}, follow=True)
    assert "Choose at least one" in response.content.decode()
    assert Certificate.objects.count() == 1


def test_issue_all_awaiting(cast: Any) -> None:
    for who in (cast.participant, cast.other_participant, cast.trainer):
        completed_enrollment(who)
    response = cast.client_for("admin").post("/certificates/issue/", {"all_awaiting": "1"}, follow=True)
    assert "Issued 3 certificates" in response.content.decode()
    assert Certificate.objects.count() == 3


def test_revoke_and_reissue_through_the_pages(cast: Any, certificate: Any) -> None:
    admin = cast.client_for("admin")
    detail = admin.get(f"/certificates/{certificate.pk}/").content.decode()
    assert "Reissue after a correction" in detail and "Revoke certificate" in detail
    assert (
        "Revoke"
        not in cast.client_for("participant").get(f"/certificates/{certificate.pk}/").content.decode()
    )
    bad = admin.post(
        f"/certificates/{certificate.pk}/reissue/", {"legal_name": "Pat Participant", "reason": ""}
    )
    assert bad.status_code == 400 and Certificate.objects.count() == 1
    response = admin.post(
        f"/certificates/{certificate.pk}/reissue/",
        {"legal_name": "Patricia Participant", "reason": "Full name"},
    )
    new = Certificate.objects.exclude(pk=certificate.pk).get()
    assert response["Location"] == f"/certificates/{new.pk}/"
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.SUPERSEDED and new.legal_name == "Patricia Participant"
    assert admin.post(f"/certificates/{new.pk}/revoke/", {"reason": ""}).status_code == 400
    admin.post(f"/certificates/{new.pk}/revoke/", {"reason": "Completion reversed"})
    new.refresh_from_db()
    assert new.status == CertificateStatus.REVOKED
    history = admin.get(f"/certificates/{new.pk}/").content.decode()
    assert "certificate.revoked" in history and "Completion reversed" in history
    assert AuditEntry.objects.filter(action__startswith="certificate.").count() == 4


def test_the_bulk_page_counts_and_starts_a_job(cast: Any) -> None:
    many_certificates(4)
    admin = cast.client_for("admin")
    assert admin.get("/certificates/print/").status_code == 200
    page = admin.post(
        "/certificates/print/", {"level": "phase1", "not_printed": "on", "action": "count"}
    ).content.decode()
    assert "<strong>4</strong> current certificates match" in page
    bad = admin.post("/certificates/print/", {"completed_from": "2026-10-01", "completed_to": "2026-09-01"})
    assert bad.status_code == 400 and "before its start" in bad.content.decode()
    none = admin.post("/certificates/print/", {"level": "recertification"})
    assert "nothing to print" in none.content.decode()
    assert not BulkPrintJob.objects.exists()
    response = admin.post("/certificates/print/", {"level": "phase1", "mark_printed": "on"})
    job = BulkPrintJob.objects.get()
    assert response["Location"] == f"/certificates/print/{job.pk}/" and job.total == 4
    progress = admin.get(f"/certificates/print/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in progress and "0 of 4" in progress
    assert admin.get(f"/certificates/print/{job.pk}/pdf/").status_code == 404  # not ready


def test_the_staff_list_query_count_does_not_grow_with_rows(cast: Any) -> None:
    many_certificates(1, prefix="one")
    admin = cast.client_for("admin")
    admin.get("/certificates/all/")
    with CaptureQueriesContext(connection) as one:
        assert admin.get("/certificates/all/").status_code == 200
    many_certificates(49, prefix="fifty")
    with CaptureQueriesContext(connection) as fifty:
        assert admin.get("/certificates/all/").status_code == 200
    assert len(fifty) == len(one)


def test_the_admin_home_panel_counts_awaiting_and_unprinted(cast: Any, certificate: Any) -> None:
    completed_enrollment(cast.other_participant)
    home = cast.client_for("admin").get("/").content.decode()
    assert "<strong>1</strong> approved completion awaiting a certificate" in home
    assert "<strong>1</strong> current certificate not printed yet" in home
