"""The maintenance API: renew, preview as of a date, reminders, presentations end to end."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from maintenance.models import Presentation

from .factories import enrollment


@pytest.fixture(autouse=True)
def _requirements_met(monkeypatch: Any) -> None:
    from enrollment import hooks

    monkeypatch.setattr(hooks, "COMPLETION_CHECKS", [])


@time_machine.travel("2027-03-05 12:00Z", tick=False)
def test_renew_through_the_api_and_the_error_shape_when_refused(cast: Any) -> None:
    year = enrollment(cast.participant, "maintenance", date(2026, 3, 1), "renewal_due")
    client = cast.client_for("participant")
    url = reverse("api:maintenance-renewals")
    created = client.post(url, {"enrollment": year.pk}, content_type="application/json")
    assert created.status_code == 201
    assert (created.json()["year_number"], created.json()["start_date"]) == (2, "2027-03-05")
    again = client.post(url, {"enrollment": year.pk}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "renewal_refused"
    other = cast.client_for("other_participant").post(
        url, {"enrollment": year.pk}, content_type="application/json"
    )
    assert other.status_code == 404


def test_the_rule_preview_answers_what_is_due_as_of_a_date(cast: Any) -> None:
    e = enrollment(cast.participant, "phase1", date(2026, 1, 15), "active")
    client = cast.client_for("staff")
    body = client.get(reverse("api:maintenance-rule-preview") + "?as_of=2027-01-15").json()
    assert body["total"] == 1 and body["by_rule"] == {"term_ended_free_extension": 1}
    decision = body["decisions"][0]
    assert (decision["enrollment_id"], decision["new_status"], decision["due_on"]) == (
        e.pk,
        "free_extension",
        "2027-01-15",
    )
    assert client.get(reverse("api:maintenance-rule-preview") + "?as_of=soon").status_code == 400
    e.refresh_from_db()
    assert e.status == "active"  # a preview changes nothing


def test_presentations_through_the_api(cast: Any) -> None:
    trainer = cast.client_for("trainer")
    url = reverse("api:maintenance-presentations")
    slides = SimpleUploadedFile("deck.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    created = trainer.post(
        url,
        {
            "title": "Intro to the NMT",
            "audience": "Teachers",
            "planned_on": (timezone.localdate() + timedelta(days=9)).isoformat(),
            "venue": "Online",
            "slides": slides,
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    staff = cast.client_for("staff")
    queue = staff.get(url + "?status=submitted").json()
    assert [p["id"] for p in queue] == [pk]
    refused = staff.post(
        reverse("api:maintenance-presentation-review", args=[pk]),
        {"decision": "return"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "comments" in refused.json()["error"]["fields"]
    ok = staff.post(
        reverse("api:maintenance-presentation-review", args=[pk]),
        {"decision": "approve"},
        content_type="application/json",
    )
    assert ok.json().get("status") == "approved", ok.json()
    delivered = trainer.post(
        reverse("api:maintenance-presentation-delivered", args=[pk]),
        {"delivered_on": (timezone.localdate() - timedelta(days=1)).isoformat(), "attendees": 12},
        content_type="application/json",
    )
    assert delivered.json().get("status") == "delivered", delivered.json()
    assert Presentation.objects.get(pk=pk).attendees == 12
    assert (
        cast.client_for("participant")
        .get(reverse("api:maintenance-presentation-detail", args=[pk]))
        .status_code
        == 404
    )
