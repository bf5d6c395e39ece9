"""Pages: My certification, the staff queues and participant page, organizations; query counts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enrollment import selectors, services
from enrollment.models import Organization, ProgramPolicy
from tests.enrollment.factories import enrollment, profile, submitted_application
from tests.support import make_user

pytestmark = pytest.mark.django_db


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_my_certification_shows_phase_dates_next_steps_timeline_and_fees(
    cast: Any, no_completion_checks: None
) -> None:
    profile(cast.participant)
    e = enrollment(cast.participant, start=date(2026, 1, 15))
    services.invoice_issue(
        actor=cast.staff,
        participant=cast.participant,
        kind="phase_fee",
        amount="4000",
        description="Phase I fee",
        enrollment=e,
    )
    body = cast.client_for("participant").get(reverse("enrollment:my_certification")).content.decode()
    for text in (
        "Phase I",
        "15 January 2026",
        "15 January 2027",
        "What is due next",
        "Timeline",
        "$4,000.00",
        "Ask to move on",
    ):
        assert text in body, text
    assert "LPC-555000111" in body  # the owner sees the number
    home = cast.client_for("participant").get(reverse("home")).content.decode()
    assert 'data-testid="home-participant"' in home and "My certification" in home


def test_my_certification_lists_what_stands_between_the_participant_and_moving_on(
    cast: Any, blocking_check: None
) -> None:
    enrollment(cast.participant)
    body = cast.client_for("participant").get(reverse("enrollment:my_certification")).content.decode()
    assert "signed checklist missing" in body and "Ask to move on" not in body


def test_a_newcomer_is_invited_to_apply(cast: Any) -> None:
    body = cast.client_for("other_participant").get(reverse("enrollment:my_certification")).content.decode()
    assert "Apply for Phase I" in body


def test_the_staff_participant_page_shows_the_full_license_and_the_ledger(cast: Any) -> None:
    profile(cast.participant)
    enrollment(cast.participant)
    body = (
        cast.client_for("staff")
        .get(reverse("enrollment:staff_participant", args=[cast.participant.pk]))
        .content.decode()
    )
    assert "LPC-555000111" in body and "Record a new invoice" in body and "Free months" in body


def test_staff_pages_need_mfa(cast: Any) -> None:
    no_mfa = make_user("nomfa@example.org", ["staff"])
    from django.test import Client

    client = Client()
    client.force_login(no_mfa)
    response = client.get(reverse("enrollment:staff_applications"))
    assert response.status_code == 302 and "2fa" in response["Location"]


def test_organizations_at_the_policy_threshold_are_flagged(cast: Any) -> None:
    threshold = ProgramPolicy.objects.get(name="December 2025").site_certification_threshold
    big = Organization.objects.create(name="Big Site")
    small = Organization.objects.create(name="Small Site")
    for n in range(threshold):
        profile(make_user(f"c{n}@example.org", ["participant"]), big)
    profile(make_user("s@example.org", ["participant"]), small)
    assert [o.name for o in selectors.organizations_near_site_threshold()] == ["Big Site"]
    near = {
        o.name: (o.clinician_count, o.site_candidate)
        for o in selectors.organizations_near_site_threshold(margin=threshold)
    }
    assert near == {"Big Site": (threshold, True), "Small Site": (1, False)}
    body = cast.client_for("staff").get(reverse("enrollment:staff_organizations")).content.decode()
    assert "Candidate" in body
    api = (
        cast.client_for("staff")
        .get(reverse("api:enrollment-organization-list") + "?site_candidates=1")
        .json()
    )
    assert [o["name"] for o in api["results"]] == ["Big Site"]


def test_the_review_queue_and_participant_list_cost_the_same_at_1_and_at_50(cast: Any) -> None:
    client = cast.client_for("staff")
    submitted_application(make_user("a0@example.org", ["participant"]))
    queue, people = reverse("enrollment:staff_applications"), reverse("enrollment:staff_participants")
    _count(client, queue)
    one_queue, one_people = _count(client, queue), _count(client, people)
    for n in range(1, 50):
        user = make_user(f"a{n}@example.org", ["participant"])
        submitted_application(user)
        if n % 2:
            enrollment(make_user(f"e{n}@example.org", ["participant"]))
    assert _count(client, queue) == one_queue
    assert _count(client, people) == one_people


def test_my_certification_and_the_staff_participant_page_cost_the_same_with_more_history(cast: Any) -> None:
    from enrollment.models import EnrollmentStatus, Phase

    profile(cast.participant)

    def past_year(year: int) -> None:
        e = enrollment(
            cast.participant, phase=Phase.MAINTENANCE, start=date(2010 + year, 3, 1), year_number=year
        )
        invoice = services.invoice_issue(
            actor=cast.staff,
            participant=cast.participant,
            kind="maintenance",
            amount="250",
            description="year",
            enrollment=e,
        )
        services.payment_record(
            actor=cast.staff, invoice=invoice, amount="250", paid_on=date(2021, 1, 1), method="check"
        )
        services.enrollment_change_status(actor=None, enrollment=e, new_status=EnrollmentStatus.COMPLETED)

    past_year(1)
    current = enrollment(cast.participant, start=date(2026, 1, 15))
    services.invoice_issue(
        actor=cast.staff,
        participant=cast.participant,
        kind="phase_fee",
        amount="4000",
        description="fee",
        enrollment=current,
    )
    mine, staff = cast.client_for("participant"), cast.client_for("staff")
    own_url = reverse("enrollment:my_certification")
    staff_url = reverse("enrollment:staff_participant", args=[cast.participant.pk])
    _count(mine, own_url), _count(staff, staff_url)  # warm the sessions
    before_own, before_staff = _count(mine, own_url), _count(staff, staff_url)
    for year in range(2, 8):
        past_year(year)
    assert _count(mine, own_url) == before_own
    assert _count(staff, staff_url) == before_staff
