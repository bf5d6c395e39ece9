"""Helpers to build enrollment records for tests through the real services."""

from __future__ import annotations

from datetime import date
from typing import Any

from enrollment import services
from enrollment.models import Degree, Enrollment, License, Organization, ParticipantProfile, Phase


def application_data(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments for application_submit that pass every rule (the case-based series included)."""
    data: dict[str, Any] = {
        "legal_name": "Patricia Q. Participant",
        "currently_practicing": True,
        "populations_served": ["children", "families"],
        "practice_setting": "Community clinic",
        "prior_case_based_series": True,
        "agreed_to_policy": True,
        "degrees": [
            {"level": "master", "field": "Social work", "institution": "State University", "year": 2015}
        ],
        "licenses": [
            {
                "license_type": "LCSW",
                "number": "LCSW-123456789",
                "jurisdiction": "Oregon",
                "expires_on": date(2099, 1, 1),
            }
        ],
    }
    data.update(overrides)
    return data


def form_data(**overrides: Any) -> dict[str, Any]:
    """POST data for the application page."""
    data: dict[str, Any] = {
        "legal_name": "Patricia Q. Participant",
        "currently_practicing": "on",
        "populations_served": ["children", "families"],
        "practice_setting": "Community clinic",
        "degree_level": "master",
        "degree_field": "Social work",
        "degree_institution": "State University",
        "degree_year": "2015",
        "license_type": "LCSW",
        "license_number": "LCSW-123456789",
        "license_jurisdiction": "Oregon",
        "license_expires_on": "2099-01-01",
        "prior_case_based_series": "on",
        "agreed_to_policy": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submitted_application(user: Any, **overrides: Any) -> Any:
    return services.application_submit(actor=user, participant=user, **application_data(**overrides))


def profile(user: Any, organization: Organization | None = None) -> ParticipantProfile:
    p = ParticipantProfile.objects.create(
        user=user,
        legal_name=user.email,
        organization=organization,
        currently_practicing=True,
        populations_served=["children"],
        prior_case_based_series=True,
    )
    Degree.objects.create(profile=p, level="master", field="Psychology", institution="U", year=2010)
    License.objects.create(
        profile=p,
        license_type="LPC",
        number="LPC-555000111",
        jurisdiction="Texas",
        expires_on=date(2099, 1, 1),
    )
    return p


def enrollment(
    user: Any, phase: str = Phase.PHASE_1, start: date = date(2026, 1, 15), **kw: Any
) -> Enrollment:
    return services.enrollment_open(actor=None, participant=user, phase=phase, start_date=start, **kw)
