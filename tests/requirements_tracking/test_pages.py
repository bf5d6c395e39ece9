"""The home panel, the staff review queue and its query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requirements_tracking.models import AttestationText, Checklist, ChecklistStatus
from requirements_tracking.selectors import checklist_for
from tests.support import make_user

from .factories import open_enrollment

pytestmark = pytest.mark.django_db


def test_the_home_panel_shows_progress_and_asks_for_the_agreement(cast: Any) -> None:
    open_enrollment(cast.participant)
    page = cast.client_for("participant").get(reverse("home")).content.decode()
    assert 'data-testid="home-requirements"' in page
    assert "Phase I" in page and 'aria-label="Overall progress"' in page
    assert 'data-testid="agreement-prompt"' in page


def _signed_checklists(n: int, prefix: str) -> None:
    attestation = AttestationText.objects.get(version=1)
    for i in range(n):
        user = make_user(f"{prefix}{i}@example.org", ["participant"])
        checklist = checklist_for(open_enrollment(user))
        Checklist.objects.filter(pk=checklist.pk).update(
            status=ChecklistStatus.SIGNED,
            signed_by=user,
            signed_at=timezone.now(),
            signed_name="x",
            attestation=attestation,
            content_hash="0" * 64,
        )


def _queue_queries(client: Any) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("requirements_tracking:review_queue"))
    assert page.status_code == 200
    return len(ctx.captured_queries), page.content.decode()


def test_the_review_queue_lists_signed_checklists_in_constant_queries(cast: Any) -> None:
    client = cast.client_for("staff")
    client.get(reverse("requirements_tracking:review_queue"))  # the first request saves the session
    _signed_checklists(1, "a")
    one, page = _queue_queries(client)
    assert page.count("Phase I") == 1
    _signed_checklists(30, "b")
    many, page = _queue_queries(client)
    assert page.count("Phase I") == 31
    assert one == many


def test_admins_edit_templates_and_only_read_checklists_in_the_admin(cast: Any) -> None:

    checklist = checklist_for(open_enrollment(cast.participant))
    client = cast.client_for("admin")
    assert client.get("/admin/requirements_tracking/requirementtemplate/").status_code == 200
    assert client.get("/admin/requirements_tracking/requirementtemplate/add/").status_code == 200
    page = client.get(f"/admin/requirements_tracking/checklist/{checklist.pk}/change/")
    assert page.status_code == 200 and b'name="status"' not in page.content
    assert client.get("/admin/requirements_tracking/checklist/add/").status_code == 403


def test_staff_without_mfa_do_not_see_participants_checklists(cast: Any) -> None:
    from django.test import Client

    checklist = checklist_for(open_enrollment(cast.participant))
    no_mfa = make_user("nomfa@example.org", ["staff"])
    client = Client()
    client.force_login(no_mfa)
    assert (
        client.get(reverse("requirements_tracking:checklist_detail", args=[checklist.pk])).status_code == 404
    )
    assert (
        cast.client_for("staff")
        .get(reverse("requirements_tracking:checklist_detail", args=[checklist.pk]))
        .status_code
        == 200
    )


def test_a_participant_lists_their_checklists_and_opens_one_by_enrollment(cast: Any) -> None:
    from enrollment.models import Phase

    phase1 = open_enrollment(cast.participant)
    open_enrollment(cast.participant, phase=Phase.PHASE_2)
    client = cast.client_for("participant")
    page = client.get(reverse("requirements_tracking:my_checklists")).content.decode()
    assert "Phase I" in page and "Phase II/TTT" in page and "Open" in page
    response = client.get(reverse("requirements_tracking:enrollment_checklist", args=[phase1.pk]))
    assert response["Location"] == reverse(
        "requirements_tracking:checklist_detail", args=[checklist_for(phase1).pk]
    )
    assert (
        cast.client_for("other_participant")
        .get(reverse("requirements_tracking:enrollment_checklist", args=[phase1.pk]))
        .status_code
        == 404
    )


def test_the_checklist_page_query_count_does_not_grow_with_entries(cast: Any) -> None:
    from datetime import date

    from requirements_tracking.models import ChecklistRequirement
    from requirements_tracking.services import entry_record

    checklist = checklist_for(open_enrollment(cast.participant))
    client = cast.client_for("participant")
    url = reverse("requirements_tracking:checklist_detail", args=[checklist.pk])
    client.get(url)
    core = ChecklistRequirement.objects.get(checklist=checklist, code="core_series")
    entry_record(actor=cast.participant, requirement=core, number=1, completed_on=date(2026, 2, 1))
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for requirement in ChecklistRequirement.objects.filter(checklist=checklist, kind="sessions"):
        for n in range(2 if requirement.pk == core.pk else 1, requirement.target + 1):
            entry_record(
                actor=cast.participant, requirement=requirement, number=n, completed_on=date(2026, 2, 1)
            )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count("Undo<span") == 22
    assert len(one.captured_queries) == len(many.captured_queries)
