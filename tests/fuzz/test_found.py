"""What the fuzzing found, pinned as plain examples: each of these was a server error or an answer its
OpenAPI schema did not declare, and stays fixed even if the generated examples change."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.services import api_token_create
from enrollment.models import Enrollment
from enrollment.services import parse_amount
from metrics_tokens.services import fidelity_exercise_create
from tests.enrollment.factories import enrollment as open_phase

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(actor=user, user=user, name='t')[1]}"})


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


def test_an_api_url_no_route_matches_answers_the_json_error_shape(cast: Any) -> None:
    response = bearer(cast.participant).get("/api/v1/certificates/-1/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and error_code(response) == "not_found"
    assert b"<html" in Client().get("/no-such-page/").content.lower()  # pages keep their HTML page


def test_a_nul_character_in_the_query_string_or_path_is_refused(cast: Any) -> None:
    api = bearer(cast.staff)
    answer = api.get("/api/v1/certificates/", {"q": "a\x00b"})
    assert answer.status_code == 400 and error_code(answer) == "invalid"
    assert api.get("/api/v1/verify/a%00b/").status_code == 404
    assert cast.client_for("staff").get("/staff/participants/", {"q": "\x00"}).status_code == 400


def test_a_huge_limit_or_offset_gives_a_bounded_page(cast: Any) -> None:
    answer = bearer(cast.staff).get("/api/v1/certificates/", {"limit": 10**22, "offset": 10**22})
    assert answer.status_code == 200 and answer.json()["results"] == []


def test_api_extension_months_are_at_most_60(cast: Any) -> None:
    phase1 = open_phase(cast.participant)
    answer = bearer(cast.participant).post(
        f"/api/v1/enrollments/{phase1.pk}/extension-requests/",
        {"months": 1497080, "reason": "Leave"},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "months" in answer.json()["error"]["fields"]


def test_the_recertification_participant_parameter_must_be_a_number(cast: Any) -> None:
    answer = bearer(cast.staff).get("/api/v1/maintenance/recertifications/", {"participant": "abc"})
    assert answer.status_code == 400 and "participant" in answer.json()["error"]["fields"]


def test_the_calls_calendar_refuses_dates_past_what_it_can_count(cast: Any) -> None:
    answer = bearer(cast.participant).get("/api/v1/calls/", {"start": "2026-01-01", "end": "9999-12-31"})
    assert answer.status_code == 400


def test_enforce_rules_refuses_a_day_it_cannot_count_from(db: Any) -> None:
    with pytest.raises(CommandError, match="between 1900 and 2100"):
        call_command("enforce_rules", "--as-of", "9999-12-31", stdout=io.StringIO())


@pytest.mark.parametrize("amount", ["1E+30", "-1E+30", "9" * 19])
def test_a_huge_amount_is_too_large_not_a_crash(amount: str) -> None:
    with pytest.raises(ValidationError):
        parse_amount(amount)


def test_a_fidelity_exercise_session_years_away_is_refused(cast: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        fidelity_exercise_create(
            actor=cast.staff,
            year=2027,
            title="Fidelity Exercise 2027",
            case_abstract=ContentFile(b"case", name="case.txt"),
            qa_session_at=datetime(1484, 11, 23, 20, 0, tzinfo=UTC),
            qa_session_link="https://meet.example.org/qa",
            deadline=date(2027, 5, 31),
        )
    assert "qa_session_at" in refused.value.message_dict


def test_the_import_preview_refuses_what_the_commit_could_not_store(cast: Any) -> None:
    header = "email,legal_name,phase,start_date,year_number\n"
    api = bearer(cast.staff)
    for row in (
        f"new@example.org,{'N' * 201},phase1,2026-01-05,\n",
        "new@example.org,New,phase1,9999-12-01,\n",
        "new@example.org,New,maintenance,2026-01-05,40000\n",
    ):
        answer = api.post("/api/v1/imports/", {"csv": header + row}, content_type="application/json")
        assert answer.status_code == 200 and not answer.json()["ok"], row
        assert answer.json()["rows"][0]["errors"]
    assert not Enrollment.objects.exists()


def test_the_schema_declares_the_error_answers_pages_and_times(db: Any) -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    detail = schema["paths"]["/api/v1/certificates/{id}/"]["get"]["responses"]
    assert {"200", "401", "403", "404"} <= set(detail)
    assert detail["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    listing = schema["paths"]["/api/v1/certificates/"]["get"]["responses"]["200"]
    assert listing["content"]["application/json"]["schema"]["$ref"].endswith("/PaginatedCertificateList")
    start_time = schema["components"]["schemas"]["Group"]["properties"]["start_time"]
    assert "format" not in start_time and start_time["pattern"]
    public = schema["paths"]["/api/v1/verify/{code}/"]["get"]["responses"]
    assert "401" not in public and "429" in public
