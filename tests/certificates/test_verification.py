"""Public verification by code: no sign-in, only name, level, dates and status; rate-limited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from certificates import services
from certificates.selectors import verification_for_code
from enrollment.models import EnrollmentStatus
from tests.certificates.factories import completed_enrollment, maintenance, profile

pytestmark = pytest.mark.django_db

PUBLIC_KEYS = {
    "status", "status_label", "valid", "name", "level", "issuer", "completion_date", "issue_date",
    "revoked_on", "superseded_on", "maintenance",
}  # fmt: skip


@pytest.fixture
def certificate(cast: Any) -> Any:
    profile(cast.participant, "Pat Participant")
    return services.certificate_issue(actor=cast.admin, enrollment=completed_enrollment(cast.participant))


def _json(code: str) -> dict[str, Any]:
    response = Client().get(f"/verify/{code}.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return response.json()


def test_a_valid_certificate_shows_only_name_level_dates_and_status(certificate: Any) -> None:
    data = _json(certificate.verification_code)
    assert set(data) == PUBLIC_KEYS
    assert data["status"] == "valid" and data["valid"] is True
    assert data["name"] == "Pat Participant"
    assert data["level"] == "Phase I"
    assert data["completion_date"] == "2026-09-30"
    assert data["maintenance"] == "none"
    page = Client().get(f"/verify/{certificate.verification_code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Valid certificate" in html and "Pat Participant" in html
    assert "pat@example.org" not in html and certificate.number not in html


def test_maintenance_current_then_lapsed(cast: Any, certificate: Any) -> None:
    year = maintenance(cast.participant, EnrollmentStatus.ACTIVE)
    assert _json(certificate.verification_code)["maintenance"] == "current"
    year.status = EnrollmentStatus.RENEWAL_DUE
    year.save(update_fields=["status"])
    assert _json(certificate.verification_code)["maintenance"] == "current"
    year.status, year.ended_on = EnrollmentStatus.LAPSED, year.start_date
    year.save(update_fields=["status", "ended_on"])
    data = _json(certificate.verification_code)
    assert data["status"] == "valid" and data["maintenance"] == "lapsed"
    assert "Maintenance lapsed" in Client().get(f"/verify/{certificate.verification_code}/").content.decode()


def test_a_completed_re_certification_after_a_lapse_is_current_again(cast: Any, certificate: Any) -> None:
    from datetime import date

    maintenance(cast.participant, EnrollmentStatus.LAPSED, start=date(2026, 10, 1))
    completed_enrollment(
        cast.participant, phase="recertification", start=date(2027, 11, 1), completed_on=date(2028, 10, 1)
    )
    assert _json(certificate.verification_code)["maintenance"] == "current"


def test_revoked_shows_revoked_with_its_date(cast: Any, certificate: Any) -> None:
    services.certificate_revoke(actor=cast.admin, certificate=certificate, reason="Issued in error")
    certificate.refresh_from_db()
    data = _json(certificate.verification_code)
    assert data["status"] == "revoked" and data["valid"] is False
    assert data["revoked_on"] == certificate.revoked_at.date().isoformat()
    assert data["maintenance"] is None
    html = Client().get(f"/verify/{certificate.verification_code}/").content.decode()
    assert "Revoked on" in html and "Issued in error" not in html  # the reason stays internal


def test_superseded_shows_superseded_and_the_new_one_is_valid(cast: Any, certificate: Any) -> None:
    new = services.certificate_reissue(actor=cast.admin, certificate=certificate, reason="Name corrected")
    old = _json(certificate.verification_code)
    assert old["status"] == "superseded" and old["superseded_on"] is not None and old["valid"] is False
    assert new.verification_code not in str(old)  # the old code does not lead to the new one
    assert _json(new.verification_code)["status"] == "valid"
    assert (
        "Superseded by a reissue"
        in Client().get(f"/verify/{certificate.verification_code}/").content.decode()
    )


def test_an_unknown_code_answers_the_same_shape_and_reveals_nothing(certificate: Any) -> None:
    data = _json("NoSuchCode_0123456789abcdef")
    assert set(data) == PUBLIC_KEYS
    assert data["status"] == "not_found" and data["valid"] is False
    assert all(data[k] is None for k in PUBLIC_KEYS - {"status", "status_label", "valid"})
    assert verification_for_code("x" * 500)["status"] == "not_found"
    assert Client().get("/verify/NoSuchCode_0123456789abcdef/").status_code == 200


def test_the_api_variant_answers_the_same(certificate: Any) -> None:
    response = Client().get(f"/api/v1/verify/{certificate.verification_code}/")
    assert response.status_code == 200
    assert response.json() == verification_for_code(certificate.verification_code)


def test_verification_is_rate_limited_per_ip(certificate: Any, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"verify": "3/min"}}
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert client.get(f"/verify/{certificate.verification_code}/").status_code == 200
    page = client.get(f"/verify/{certificate.verification_code}/")
    assert page.status_code == 429 and "Please wait a moment" in page.content.decode()
    assert int(page["Retry-After"]) > 0
    assert client.get(f"/verify/{certificate.verification_code}.json").json()["error"]["code"] == "throttled"
    assert client.get(f"/api/v1/verify/{certificate.verification_code}/").status_code == 429
    # Another address is not affected.
    assert (
        Client(REMOTE_ADDR="203.0.113.10").get(f"/verify/{certificate.verification_code}/").status_code == 200
    )


def test_the_lookup_form_leads_to_the_verification_page(certificate: Any) -> None:
    client = Client()
    assert client.get("/verify/").status_code == 200
    response = client.get("/verify/", {"code": certificate.verification_code})
    assert response.status_code == 302 and response["Location"] == f"/verify/{certificate.verification_code}/"
    bad = client.get("/verify/", {"code": "not a code!"})
    assert bad.status_code == 200 and "only letters" in bad.content.decode()
