"""Recording entries through the page and the API: bad input gets a clear message and changes nothing;
evidence files are checked and served only to their owner and staff; undo until signed."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from requirements_tracking.models import ChecklistEntry, ChecklistRequirement
from requirements_tracking.selectors import checklist_for

from .factories import open_enrollment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence\n%%EOF\n"


@pytest.fixture
def core(cast: Any) -> ChecklistRequirement:
    checklist = checklist_for(open_enrollment(cast.participant))
    return ChecklistRequirement.objects.get(checklist=checklist, code="core_series")


def _record(client: Any, requirement: ChecklistRequirement, **data: Any) -> Any:
    url = reverse("requirements_tracking:entry_record", args=[requirement.checklist_id, requirement.pk])
    body = {"number": 1, "completed_on": "2026-02-01", "mode": "live"} | data
    return client.post(url, body, follow=True)


def test_a_participant_records_and_undoes_a_session(cast: Any, core: ChecklistRequirement) -> None:
    client = cast.client_for("participant")
    page = _record(client, core, note="watched with my team")
    assert b"Recorded: NMT Core Certification Series recordings, Session 1." in page.content
    entry = ChecklistEntry.objects.get(requirement=core)
    assert (entry.number, entry.mode, entry.note) == (1, "live", "watched with my team")
    client.post(reverse("requirements_tracking:entry_undo", args=[entry.pk]))
    assert not ChecklistEntry.objects.filter(requirement=core).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"completed_on": (date.today() + timedelta(days=3)).isoformat()}, b"cannot be in the future"),
        ({"number": 11}, b"Choose a session from 1 to 10"),
        ({"mode": "telepathy"}, b"Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    cast: Any, core: ChecklistRequirement, data: Any, message: bytes
) -> None:
    page = _record(cast.client_for("participant"), core, **data)
    assert message in page.content
    assert not ChecklistEntry.objects.filter(requirement=core).exists()


def test_the_same_session_twice_is_refused(cast: Any, core: ChecklistRequirement) -> None:
    client = cast.client_for("participant")
    _record(client, core)
    page = _record(client, core, completed_on="2026-02-02")
    assert b"Session 1 is already recorded" in page.content
    assert ChecklistEntry.objects.filter(requirement=core).count() == 1


def test_automatic_requirements_are_not_ticked_by_hand(cast: Any, core: ChecklistRequirement) -> None:
    reports = ChecklistRequirement.objects.get(checklist=core.checklist, code="reports_typical")
    page = _record(cast.client_for("participant"), reports)
    assert b"counted automatically" in page.content
    assert not ChecklistEntry.objects.filter(requirement=reports).exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2048), b"too large"),
        (SimpleUploadedFile("script.pdf", b"<script>alert(1)</script>"), b"must be a PDF, PNG or JPEG"),
        (SimpleUploadedFile("renamed.exe", PDF), b"must be a PDF, PNG or JPEG"),
    ],
)
def test_evidence_files_are_checked(
    cast: Any, core: ChecklistRequirement, settings: Any, upload: Any, message: bytes
) -> None:
    settings.REQUIREMENTS_EVIDENCE_MAX_BYTES = 1024
    page = _record(cast.client_for("participant"), core, evidence=upload)
    assert message in page.content
    assert not ChecklistEntry.objects.exists()


def test_evidence_is_served_to_the_owner_and_staff_only(cast: Any, core: ChecklistRequirement) -> None:
    _record(cast.client_for("participant"), core, evidence=SimpleUploadedFile("proof.pdf", PDF))
    entry = ChecklistEntry.objects.get(requirement=core)
    assert entry.evidence_type == "application/pdf" and entry.evidence_size == len(PDF)
    assert "proof" not in entry.evidence.name  # the participant's file name never reaches the path
    url = reverse("requirements_tracking:entry_evidence", args=[entry.pk])
    for role in ("participant", "staff"):
        response = cast.client_for(role).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    for role in ("other_participant", "mentor", "trainer"):
        assert cast.client_for(role).get(url).status_code == 404


def test_the_api_records_lists_and_undoes(cast: Any, core: ChecklistRequirement) -> None:
    client = cast.client_for("participant")
    url = reverse("api:requirements-entry-create", args=[core.checklist_id, core.pk])
    created = client.post(
        url, json.dumps({"number": 2, "completed_on": "2026-02-01"}), content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["label"] == "Session 2"
    again = client.post(
        url, json.dumps({"number": 2, "completed_on": "2026-02-01"}), content_type="application/json"
    )
    assert again.status_code == 400 and "number" in again.json()["error"]["fields"]
    future = (timezone.localdate() + timedelta(days=5)).isoformat()
    bad = client.post(url, json.dumps({"number": 3, "completed_on": future}), content_type="application/json")
    assert bad.status_code == 400 and "completed_on" in bad.json()["error"]["fields"]
    detail = client.get(reverse("api:requirements-checklist-detail", args=[core.checklist_id])).json()
    assert [e["number"] for e in detail["entries"]] == [2]
    core_progress = next(i for i in detail["progress"]["items"] if i["code"] == "core_series")
    assert (core_progress["done"], core_progress["target"]) == (1, 10)
    undo = client.post(reverse("api:requirements-entry-undo", args=[created.json()["id"]]))
    assert undo.status_code == 204 and not ChecklistEntry.objects.exists()


def test_the_checklist_page_shows_progress_and_automatic_notes(cast: Any, core: ChecklistRequirement) -> None:
    _record(cast.client_for("participant"), core)
    page = cast.client_for("participant").get(reverse("requirements_tracking:my_checklist"), follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="count-core_series">1 of 10' in text
    assert "Counted automatically" in text
    assert "Staff have not listed items" in text  # multimedia: no staff items yet
