"""Maintenance pages: what each person sees, the renewal button, staff decisions, and query counts that
do not grow with rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Enrollment
from maintenance.models import Presentation, SentReminder
from tests.support import make_user

from .factories import enrollment


@pytest.fixture(autouse=True)
def _requirements_met(monkeypatch: Any) -> None:
    from enrollment import hooks

    monkeypatch.setattr(hooks, "COMPLETION_CHECKS", [])


@time_machine.travel("2027-02-20 12:00Z", tick=False)
def test_the_participant_renews_from_the_page(cast: Any) -> None:
    year = enrollment(cast.participant, "maintenance", date(2026, 3, 1), "active")
    client = cast.client_for("participant")
    page = client.get(reverse("maintenance:overview")).content.decode()
    assert "Maintenance year 1" in page and "28 February 2027" in page and "Renew Maintenance" in page
    response = client.post(reverse("maintenance:renew"), follow=True)
    assert "Renewed: Maintenance year 2 starts on 1 March 2027" in response.content.decode()
    year.refresh_from_db()
    assert year.status == "completed"


@time_machine.travel("2028-05-01 12:00Z", tick=False)
def test_a_lapsed_participant_is_offered_recertification(cast: Any) -> None:
    enrollment(cast.participant, "maintenance", date(2026, 3, 1), "lapsed", ended_on=date(2028, 3, 1))
    client = cast.client_for("participant")
    page = client.get(reverse("maintenance:overview")).content.decode()
    assert "Re-Certification required" in page and "Renew Maintenance" not in page
    response = client.post(reverse("maintenance:recertification_start"), follow=True)
    assert "Re-Certification started; it runs until 30 April 2029" in response.content.decode()
    assert Enrollment.objects.filter(participant=cast.participant, phase="recertification").exists()


def test_a_get_cannot_renew(cast: Any) -> None:
    assert cast.client_for("participant").get(reverse("maintenance:renew")).status_code == 405


def test_staff_decide_a_flagged_year_from_the_page(cast: Any) -> None:
    year = enrollment(
        cast.participant,
        "maintenance",
        date(2025, 3, 1),
        "renewal_due",
        flagged_for_review=True,
        flag_reason="x",
    )
    client = cast.client_for("staff")
    assert "Pat Participant" in client.get(reverse("maintenance:flagged")).content.decode()
    bad = client.post(
        reverse("maintenance:flagged_decide", args=[year.pk]), {"decision": "renew"}, follow=True
    )
    assert "Choose a decision and say why" in bad.content.decode()
    client.post(
        reverse("maintenance:flagged_decide", args=[year.pk]),
        {"decision": "recertify", "reason": "None done"},
    )
    year.refresh_from_db()
    assert year.status == "lapsed" and not year.flagged_for_review


def _seed_rows(n: int, offset: int) -> None:
    today = timezone.localdate()
    for i in range(n):
        user = make_user(f"row{offset + i}@example.org", ["participant", "trainer"])
        enrollment(user, "maintenance", today - timedelta(days=350), "active")
        Presentation.objects.create(
            trainer=user,
            title=f"T{i}",
            audience="a",
            planned_on=today,
            venue="v",
            slides="x.pdf",
            slides_name="x.pdf",
        )
        SentReminder.objects.create(
            participant=user,
            enrollment=Enrollment.objects.filter(participant=user).first(),
            kind="maintenance_renewal",
            deadline=today,
            days_before=7,
            claim="t",
            sent_at=timezone.now(),
        )


@pytest.mark.parametrize(
    "url_name", ["maintenance:preview", "maintenance:presentation_queue", "maintenance:recertifications"]
)
def test_staff_lists_run_the_same_number_of_queries_at_1_and_at_30_rows(cast: Any, url_name: str) -> None:
    client = cast.client_for("staff")
    _seed_rows(1, 0)
    client.get(reverse(url_name))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(url_name)).status_code == 200
    _seed_rows(29, 100)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(url_name)).status_code == 200
    assert len(many) == len(one)


def test_the_api_reminders_list_is_flat_too(cast: Any) -> None:
    client = cast.client_for("staff")
    _seed_rows(1, 0)
    client.get(reverse("api:maintenance-reminders"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("api:maintenance-reminders"))
    _seed_rows(20, 100)
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("api:maintenance-reminders")).json()
    assert len(body) == 21 and len(many) == len(one)
