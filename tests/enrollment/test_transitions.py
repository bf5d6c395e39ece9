"""Phase transitions approved by staff, and extensions (free, then paid continuation)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.errors import DomainError
from enrollment import services
from enrollment.models import (
    Enrollment,
    EnrollmentStatus,
    ExtensionRequest,
    Invoice,
    Phase,
    TransitionRequest,
)
from tests.enrollment.factories import enrollment

pytestmark = pytest.mark.django_db
S = EnrollmentStatus


def test_a_transition_is_refused_while_the_completion_check_fails(cast: Any, blocking_check: None) -> None:
    e = enrollment(cast.participant)
    with pytest.raises(DomainError) as exc:
        services.transition_request_create(actor=cast.participant, enrollment=e, to_phase=Phase.PHASE_2)
    assert "signed checklist missing" in exc.value.message
    assert not TransitionRequest.objects.exists()


def test_approval_completes_the_phase_opens_the_next_and_records_its_fee(
    cast: Any, no_completion_checks: None, django_capture_on_commit_callbacks: Any
) -> None:
    e = enrollment(cast.participant, start=date(2026, 1, 31))
    request = services.transition_request_create(
        actor=cast.participant, enrollment=e, to_phase=Phase.PHASE_2, reason="done"
    )
    with django_capture_on_commit_callbacks(execute=True):
        new = services.transition_request_approve(
            actor=cast.staff, transition_request=request, start_date=date(2027, 1, 31)
        )
    e.refresh_from_db()
    assert e.status == S.COMPLETED and e.completed_on == date(2027, 1, 31)
    assert new.phase == Phase.PHASE_2 and new.status == S.ACTIVE and new.previous == e
    assert new.term_end == date(2029, 1, 31)
    fee = Invoice.objects.get(enrollment=new)
    assert fee.kind == "phase_fee" and fee.amount == Decimal("4500.00")
    request.refresh_from_db()
    assert request.status == "approved" and request.new_enrollment == new
    assert "approved" in mail.outbox[-1].subject


def test_phase_one_straight_to_maintenance_starts_year_one_with_its_fee(
    cast: Any, no_completion_checks: None
) -> None:
    e = enrollment(cast.participant)
    request = services.transition_request_create(
        actor=cast.participant, enrollment=e, to_phase=Phase.MAINTENANCE
    )
    new = services.transition_request_approve(
        actor=cast.staff, transition_request=request, start_date=date(2027, 2, 1)
    )
    assert new.phase == Phase.MAINTENANCE and new.year_number == 1
    assert Invoice.objects.get(enrollment=new).kind == "maintenance"


def test_refusal_needs_a_reason_and_leaves_the_enrollment_alone(
    cast: Any, no_completion_checks: None
) -> None:
    e = enrollment(cast.participant)
    request = services.transition_request_create(actor=cast.participant, enrollment=e, to_phase=Phase.PHASE_2)
    with pytest.raises(ValidationError):
        services.transition_request_refuse(actor=cast.staff, transition_request=request, reason="")
    services.transition_request_refuse(
        actor=cast.staff, transition_request=request, reason="Checklist unsigned."
    )
    e.refresh_from_db()
    assert e.status == S.ACTIVE
    with pytest.raises(DomainError):
        services.transition_request_approve(actor=cast.staff, transition_request=request)


def test_a_failure_while_approving_leaves_nothing_half_done(cast: Any, no_completion_checks: None) -> None:
    e = enrollment(cast.participant)
    enrollment(cast.participant, phase=Phase.PHASE_2)  # an open Phase II already: opening another fails
    request = services.transition_request_create(actor=cast.participant, enrollment=e, to_phase=Phase.PHASE_2)
    with pytest.raises(DomainError):
        services.transition_request_approve(actor=cast.staff, transition_request=request)
    e.refresh_from_db()
    request.refresh_from_db()
    assert e.status == S.ACTIVE and request.status == "pending"
    assert Enrollment.objects.filter(phase=Phase.PHASE_2).count() == 1


def test_the_pages_and_api_request_and_approve_a_transition(cast: Any, no_completion_checks: None) -> None:
    e = enrollment(cast.participant)
    response = cast.client_for("participant").post(
        reverse("enrollment:request_transition", args=[e.pk]), {"to_phase": "phase2"}
    )
    assert response.status_code == 302
    request = TransitionRequest.objects.get()
    queue = cast.client_for("staff").get(reverse("enrollment:staff_transitions")).content.decode()
    assert "Phase II/TTT" in queue
    api = cast.client_for("staff").post(
        reverse("api:enrollment-transition-approve", args=[request.pk]), {}, content_type="application/json"
    )
    assert api.status_code == 200 and api.json()["phase"] == "phase2"
    again = cast.client_for("participant").post(
        reverse("api:enrollment-request-transition", args=[e.pk]),
        {"to_phase": "maintenance"},
        content_type="application/json",
    )
    assert again.status_code == 409  # the phase is completed now


# --- Extensions ----------------------------------------------------------------------------------------


def test_free_extension_is_cumulative_up_to_the_policy_limit(cast: Any) -> None:
    e = enrollment(cast.participant, start=date(2026, 1, 15))
    services.enrollment_grant_free_extension(
        actor=cast.staff, enrollment=e, months=4, reason="leave", as_of=date(2026, 6, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.enrollment_grant_free_extension(
            actor=cast.staff, enrollment=e, months=3, reason="more", as_of=date(2026, 6, 1)
        )
    assert "beyond the free extension limit of 6 months (2 left)" in " ".join(exc.value.messages)
    e.refresh_from_db()
    assert e.free_extension_months == 4 and e.extension_end == date(2027, 5, 15)


def test_an_extension_after_the_term_moves_the_status_to_free_extension(cast: Any) -> None:
    e = enrollment(cast.participant, start=date(2025, 12, 1))
    services.enrollment_change_status(actor=None, enrollment=e, new_status=S.AWAITING_FEE, rule="term ended")
    e.refresh_from_db()
    services.enrollment_grant_free_extension(
        actor=cast.staff, enrollment=e, months=2, reason="illness", as_of=date(2026, 12, 10)
    )
    e.refresh_from_db()
    assert e.status == S.FREE_EXTENSION and e.extension_end == date(2027, 2, 1)


def test_continuation_needs_the_fee_paid_first(cast: Any) -> None:
    e = enrollment(cast.participant, start=date(2025, 12, 1))
    invoice = services.enrollment_issue_continuation_invoice(actor=cast.staff, enrollment=e)
    assert invoice.amount == Decimal("250.00")
    with pytest.raises(DomainError) as exc:
        services.enrollment_record_continuation(actor=cast.staff, enrollment=e, invoice=invoice)
    assert "paid" in exc.value.message
    services.payment_record(
        actor=cast.staff, invoice=invoice, amount="250", paid_on=date(2026, 1, 1), method="card"
    )
    services.enrollment_record_continuation(actor=cast.staff, enrollment=e, invoice=invoice)
    e.refresh_from_db()
    assert e.status == S.CONTINUATION and e.continuations == 1
    assert e.paid_through == date(2027, 12, 1)  # 12-month term + 6 free + 6 paid, from the start
    with pytest.raises(DomainError):
        services.enrollment_record_continuation(actor=cast.staff, enrollment=e, invoice=invoice)


def test_a_waived_continuation_fee_also_buys_the_time(cast: Any) -> None:
    e = enrollment(cast.participant, start=date(2025, 12, 1))
    invoice = services.enrollment_issue_continuation_invoice(actor=cast.staff, enrollment=e)
    services.invoice_waive(actor=cast.staff, invoice=invoice, amount="250", reason="hardship")
    services.enrollment_record_continuation(actor=cast.staff, enrollment=e, invoice=invoice)
    e.refresh_from_db()
    assert e.status == S.CONTINUATION


def test_participant_asks_for_more_time_and_staff_grant_it(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    e = enrollment(cast.participant, start=date(2026, 1, 15))
    response = cast.client_for("participant").post(
        reverse("enrollment:request_extension", args=[e.pk]), {"months": "2", "reason": "Parental leave"}
    )
    assert response.status_code == 302
    request = ExtensionRequest.objects.get()
    assert (
        "Parental leave"
        in cast.client_for("staff").get(reverse("enrollment:staff_extensions")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        cast.client_for("staff").post(
            reverse("enrollment:staff_extension_request_grant", args=[request.pk]), {"months": "2"}
        )
    request.refresh_from_db()
    e.refresh_from_db()
    assert request.status == "approved" and request.months_granted == 2
    assert e.free_extension_months == 2 and e.extension_end == date(2027, 3, 15)
    assert "More time granted" in mail.outbox[-1].subject


def test_an_extension_request_beyond_the_limit_is_refused_with_a_message(cast: Any) -> None:
    e = enrollment(cast.participant, start=date(2026, 1, 15))
    request = services.extension_request_create(
        actor=cast.participant, enrollment=e, months=9, reason="long illness"
    )
    response = cast.client_for("staff").post(
        reverse("enrollment:staff_extension_request_grant", args=[request.pk]), {}, follow=True
    )
    assert "beyond the free extension limit" in response.content.decode()
    request.refresh_from_db()
    e.refresh_from_db()
    assert request.status == "pending" and e.free_extension_months == 0
    api = cast.client_for("staff").post(
        reverse("api:enrollment-extend", args=[e.pk]),
        {"months": 7, "reason": "x"},
        content_type="application/json",
    )
    assert api.status_code == 400 and "months" in api.json()["error"]["fields"]


def test_maintenance_has_no_free_extension(cast: Any) -> None:
    e = enrollment(cast.participant, phase=Phase.MAINTENANCE)
    with pytest.raises(DomainError):
        services.enrollment_grant_free_extension(actor=cast.staff, enrollment=e, months=1, reason="x")


def test_staff_withdraw_an_enrollment_with_a_reason(cast: Any) -> None:
    e = enrollment(cast.participant)
    client = cast.client_for("staff")
    client.post(reverse("enrollment:staff_enrollment_withdraw", args=[e.pk]), {"reason": ""})
    e.refresh_from_db()
    assert e.status == S.ACTIVE
    response = client.post(
        reverse("api:enrollment-withdraw", args=[e.pk]),
        {"reason": "Moved abroad"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = client.post(
        reverse("api:enrollment-withdraw", args=[e.pk]), {"reason": "again"}, content_type="application/json"
    )
    assert again.status_code == 409


def test_the_api_records_the_continuation_fee_from_the_policy_then_the_time(cast: Any) -> None:
    e = enrollment(cast.participant, start=date(2025, 12, 1))
    client = cast.client_for("staff")
    fee = client.post(
        reverse("api:enrollment-continuation-fee", args=[e.pk]), {}, content_type="application/json"
    )
    assert fee.status_code == 201 and fee.json()["amount"] == "250.00" and fee.json()["balance"] == "250.00"
    early = client.post(
        reverse("api:enrollment-continuation", args=[e.pk]),
        {"invoice": fee.json()["id"]},
        content_type="application/json",
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "fee_unpaid"
    client.post(
        reverse("api:enrollment-invoice-payments", args=[fee.json()["id"]]),
        {"amount": "250", "paid_on": "2026-01-02", "method": "bank_transfer"},
        content_type="application/json",
    )
    done = client.post(
        reverse("api:enrollment-continuation", args=[e.pk]),
        {"invoice": fee.json()["id"]},
        content_type="application/json",
    )
    assert (
        done.status_code == 200
        and done.json()["status"] == "continuation"
        and done.json()["paid_through"] == "2027-12-01"
    )
