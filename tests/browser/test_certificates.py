"""An admin issues a certificate; anyone verifies it by its public page; the participant downloads it."""

from __future__ import annotations

from typing import Any

import pytest

from certificates.models import Certificate
from tests.browser.conftest import browser_sign_in, shot
from tests.certificates.factories import completed_enrollment, many_certificates, profile
from tests.support import PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_issues_and_the_public_verifies(
    page: Any, cast: Any, browser: Any, live_server: Any
) -> None:
    profile(cast.participant, "Dr. Marisol Álvarez-Whitfield")
    completed_enrollment(cast.participant)
    browser_sign_in(page, cast.admin.email, PASSWORD, totp=lambda: totp_code(cast.admin))

    page.goto("/certificates/all/")
    awaiting = page.get_by_test_id("awaiting")
    assert "Dr. Marisol Álvarez-Whitfield" in awaiting.inner_text()
    shot(page, "certificates-awaiting")
    page.get_by_label("Issue for").first.check()
    page.get_by_test_id("issue-selected").click()
    page.wait_for_url("**/certificates/*/")
    certificate = Certificate.objects.get()
    assert page.get_by_role("heading", level=1).inner_text() == "Phase I · Dr. Marisol Álvarez-Whitfield"
    assert "Issued 1 certificate" in page.locator(".messages").inner_text()
    shot(page, "certificates-issued")
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename == f"{certificate.number}.pdf"

    # The public: no session, the URL the QR code holds.
    public = browser.new_context(base_url=live_server.url, viewport={"width": 1000, "height": 800})
    visitor = public.new_page()
    visitor.goto(f"/verify/{certificate.verification_code}/")
    card = visitor.get_by_test_id("verification")
    assert card.get_attribute("data-status") == "valid"
    assert "Valid certificate" in card.inner_text()
    assert visitor.get_by_test_id("verified-name").inner_text() == "Dr. Marisol Álvarez-Whitfield"
    shot(visitor, "certificates-verify-valid")

    # Revoked: the same page says so.
    page.get_by_test_id("revoke-form").get_by_label("Reason").fill("Completion approved in error")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke certificate").click()
    assert "is revoked" in page.locator(".messages").inner_text()
    visitor.reload()
    assert visitor.get_by_test_id("verification").get_attribute("data-status") == "revoked"
    shot(visitor, "certificates-verify-revoked")
    visitor.goto("/verify/")
    visitor.get_by_label("Verification code").fill("NoSuchCode_0000000000000")
    visitor.get_by_role("button", name="Verify").click()
    assert visitor.get_by_test_id("verification").get_attribute("data-status") == "not_found"
    public.close()


def test_an_admin_watches_a_bulk_print_job(page: Any, cast: Any) -> None:
    many_certificates(12)
    browser_sign_in(page, cast.admin.email, PASSWORD, totp=lambda: totp_code(cast.admin))
    page.goto("/certificates/print/")
    page.get_by_label("Level").select_option("phase1")
    page.get_by_role("button", name="Count matching").click()
    assert "12" in page.get_by_test_id("matching").inner_text()
    shot(page, "certificates-bulk-form")
    page.get_by_test_id("start-print").click()
    page.wait_for_url("**/certificates/print/*/")
    assert "0 of 12" in page.get_by_test_id("bulk-progress").inner_text()
    # No worker runs in this test: the job renders here, and the page's htmx polling picks it up.
    from certificates.bulk import run_bulk_print
    from certificates.models import BulkPrintJob

    assert run_bulk_print(BulkPrintJob.objects.get().pk) == "done"
    page.get_by_test_id("download-combined").wait_for(timeout=10000)
    assert "100%" in page.get_by_test_id("bulk-progress").inner_text()
    shot(page, "certificates-bulk-done")


def test_a_participant_finds_and_downloads_their_certificate(page: Any, cast: Any) -> None:
    from certificates.services import certificate_issue

    profile(cast.participant, "Pat Participant")
    certificate = certificate_issue(actor=cast.admin, enrollment=completed_enrollment(cast.participant))
    browser_sign_in(page, cast.participant.email, PASSWORD)
    panel = page.get_by_test_id("home-certificates")
    assert certificate.number in panel.inner_text()
    shot(page, "certificates-participant-home")
    panel.get_by_role("link", name="All your certificates").click()
    page.wait_for_url("**/certificates/")
    assert page.get_by_test_id("certificate-row").count() == 1
    shot(page, "certificates-participant-list")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"{certificate.number}.pdf"
