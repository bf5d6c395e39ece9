"""Applications through the pages and the API: submit, ask for more, resubmit, approve, reject; mail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEntry
from enrollment import selectors, services
from enrollment.models import Application, Enrollment, EnrollmentStatus, Invoice, Phase
from tests.enrollment.factories import application_data, form_data, submitted_application

pytestmark = pytest.mark.django_db


def test_it_submits_through_the_page_and_staff_approve_through_the_page(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = cast.client_for("participant")
    response = client.post(reverse("enrollment:apply"), form_data(prior_case_based_series=None))
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get(participant=cast.participant)
    assert application.status == "submitted" and application.prerequisite_required

    staff = cast.client_for("staff")
    queue = staff.get(reverse("enrollment:staff_applications"))
    assert "Patricia Q. Participant" in queue.content.decode()
    detail = staff.get(reverse("enrollment:staff_application", args=[application.pk]))
    assert "LCSW-123456789" in detail.content.decode()  # staff see the full number

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("enrollment:staff_application_approve", args=[application.pk]),
            {"start_date": "2026-02-01"},
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "approved"
    enrollment = application.enrollment
    assert enrollment.phase == Phase.PHASE_1 and enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.start_date == date(2026, 2, 1) and enrollment.term_end == date(2027, 2, 1)
    assert enrollment.prerequisite_required
    invoice = Invoice.objects.get(enrollment=enrollment)
    assert invoice.amount == enrollment.policy.rule(Phase.PHASE_1).fee
    assert selectors.participant_balance(cast.participant) == invoice.amount
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [cast.participant.email] and "approved" in message.subject
    assert message.alternatives and "text/html" in message.alternatives[0][1]
    assert "LCSW-123456789" not in message.body

    page = cast.client_for("participant").get(reverse("enrollment:my_certification")).content.decode()
    assert "Phase I" in page and "Active" in page and "Pre-Requisite Series" in page


def test_bad_input_on_the_page_explains_and_saves_nothing(cast: Any) -> None:
    client = cast.client_for("participant")
    response = client.post(
        reverse("enrollment:apply"),
        form_data(license_expires_on="2020-01-01", degree_level="bachelor", agreed_to_policy=None),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "You must agree" in body
    response = client.post(
        reverse("enrollment:apply"), form_data(license_expires_on="2020-01-01", degree_level="bachelor")
    )
    body = response.content.decode()
    assert "has expired" in body and "below master" in body
    assert not Application.objects.exists()
    response = client.post(reverse("enrollment:apply"), form_data(license_expires_on="31/12/2030"))
    assert "Enter a valid date" in response.content.decode()
    assert not Application.objects.exists()


def test_staff_ask_for_more_information_then_the_applicant_resubmits(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    application = submitted_application(cast.participant)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_request_info(
            actor=cast.staff, application=application, message="Send your license card."
        )
    assert mail.outbox[-1].subject.endswith("more information for your application")
    page = cast.client_for("participant").get(reverse("enrollment:my_certification")).content.decode()
    assert "Send your license card." in page
    response = cast.client_for("participant").post(
        reverse("enrollment:apply"), form_data(legal_name="Patricia Participant")
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted"
    assert Application.objects.count() == 1
    assert AuditEntry.objects.filter(action="application.resubmitted").exists()


def test_reject_needs_a_reason_and_tells_the_applicant(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    application = submitted_application(cast.participant)
    staff = cast.client_for("staff")
    staff.post(reverse("enrollment:staff_application_reject", args=[application.pk]), {"reason": ""})
    application.refresh_from_db()
    assert application.status == "submitted"
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("enrollment:staff_application_reject", args=[application.pk]),
            {"reason": "No current practice."},
        )
    application.refresh_from_db()
    assert application.status == "rejected" and application.decision_reason == "No current practice."
    assert "No current practice." in mail.outbox[-1].body
    assert not Enrollment.objects.exists()


def test_a_decided_application_cannot_be_approved_twice(cast: Any) -> None:
    application = submitted_application(cast.participant)
    services.application_approve(actor=cast.staff, application=application, start_date=date(2026, 3, 1))
    from accounts.errors import DomainError

    with pytest.raises(DomainError):
        services.application_approve(actor=cast.staff, application=application)
    assert Enrollment.objects.count() == 1 and Invoice.objects.count() == 1


def test_approval_rechecks_eligibility_on_the_start_date(cast: Any) -> None:
    application = submitted_application(
        cast.participant,
        licenses=[
            {"license_type": "LPC", "number": "LPC-9", "jurisdiction": "TX", "expires_on": date(2099, 1, 1)}
        ],
    )
    cast.participant.profile.licenses.update(expires_on=date(2026, 1, 1))
    from accounts.errors import DomainError

    with pytest.raises(DomainError) as exc:
        services.application_approve(actor=cast.staff, application=application, start_date=date(2026, 2, 1))
    assert "expired" in exc.value.message
    assert not Enrollment.objects.exists()


def test_the_api_flow_submit_review_approve(cast: Any) -> None:
    participant = cast.client_for("participant")
    body = application_data()
    body["licenses"][0]["expires_on"] = "2099-01-01"
    response = participant.post(
        reverse("api:enrollment-application-list"), body, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    bad = participant.post(
        reverse("api:enrollment-application-list"),
        {**body, "degrees": [{"level": "bachelor", "field": "x", "institution": "y", "year": 2000}]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "degree_level" in bad.json()["error"]["fields"]
    other = cast.client_for("other_participant")
    assert other.get(reverse("api:enrollment-application-detail", args=[pk])).status_code == 404
    assert (
        other.post(
            reverse("api:enrollment-application-approve", args=[pk]), {}, content_type="application/json"
        ).status_code
        == 403
    )
    staff = cast.client_for("staff")
    listed = staff.get(reverse("api:enrollment-application-list") + "?status=submitted").json()
    assert [a["id"] for a in listed["results"]] == [pk]
    approved = staff.post(
        reverse("api:enrollment-application-approve", args=[pk]),
        {"start_date": "2026-04-30"},
        content_type="application/json",
    )
    assert approved.status_code == 200, approved.json()
    data = approved.json()
    assert data["phase"] == "phase1" and data["status"] == "active" and data["term_end"] == "2027-04-30"
    again = staff.post(
        reverse("api:enrollment-application-approve", args=[pk]), {}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["error"]["message"]
    mine = participant.get(reverse("api:enrollment-my-certification")).json()
    assert mine["current"]["phase"] == "phase1" and Decimal(mine["balance"]) == Decimal("4000.00")


def test_license_numbers_are_masked_to_others_and_never_in_the_audit_log(cast: Any) -> None:
    submitted_application(cast.participant)
    own = (
        cast.client_for("participant")
        .get(reverse("api:enrollment-participant-detail", args=[cast.participant.pk]))
        .json()
    )
    assert own["profile"]["licenses"][0]["number"] == "LCSW-123456789"
    from enrollment.api.serializers import LicenseSerializer

    lic = cast.participant.profile.licenses.get()
    assert LicenseSerializer(lic, context={"viewer": cast.mentor}).data["number"] == "•••789"
    assert not AuditEntry.objects.filter(changes__icontains="123456789").exists()
    assert not AuditEntry.objects.filter(target_label__icontains="123456789").exists()


def test_an_enrolled_participant_keeps_the_profile_current(cast: Any) -> None:
    application = submitted_application(cast.participant)
    services.application_approve(actor=cast.staff, application=application)
    client = cast.client_for("participant")
    assert client.get(reverse("enrollment:profile")).status_code == 200
    response = client.post(
        reverse("enrollment:profile"),
        form_data(license_expires_on="2031-03-31", license_number="LCSW-NEW-42"),
    )
    assert response.status_code == 302
    lic = cast.participant.profile.licenses.get()
    assert lic.expires_on == date(2031, 3, 31) and lic.number == "LCSW-NEW-42"
    bad = client.post(reverse("enrollment:profile"), form_data(legal_name=""))
    assert bad.status_code == 200
    assert cast.participant.profile.legal_name == "Patricia Q. Participant"
    body = application_data(legal_name="Patricia Participant")
    body["licenses"][0]["expires_on"] = "2032-01-01"
    del body["agreed_to_policy"]
    api = client.put(
        reverse("api:enrollment-participant-profile", args=[cast.participant.pk]),
        body,
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["profile"]["legal_name"] == "Patricia Participant"
    other = cast.client_for("other_participant").put(
        reverse("api:enrollment-participant-profile", args=[cast.participant.pk]),
        body,
        content_type="application/json",
    )
    assert other.status_code == 404
    assert not AuditEntry.objects.filter(changes__icontains="LCSW-NEW").exists()
