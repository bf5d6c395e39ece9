"""Participants keep their profile current (a renewed license, a new organization) once enrolled."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.errors import NotAllowed
from accounts.roles import is_staff_member
from accounts.services import audit_record

from ..models import Organization, ParticipantProfile
from .applications import POPULATIONS, _clean_degrees, _clean_licenses, save_profile


@transaction.atomic
def profile_update(
    *,
    actor: Any,
    participant: Any,
    legal_name: str,
    degrees: list[dict[str, Any]],
    licenses: list[dict[str, Any]],
    currently_practicing: bool,
    populations_served: list[str],
    prior_case_based_series: bool,
    practice_setting: str = "",
    organization: Organization | None = None,
    organization_name: str = "",
) -> ParticipantProfile:
    """The owner (or staff) update the profile. Same checks of shape as an application; the
    eligibility rules were checked when the application was approved, so they do not gate this."""
    if actor != participant and not is_staff_member(actor):
        raise NotAllowed("Only the participant or staff can change this profile.")
    errors: dict[str, list[str]] = {}
    legal_name = (legal_name or "").strip()
    if not legal_name:
        errors["legal_name"] = ["Give your legal name exactly as it must appear on a certificate."]
    populations = list(dict.fromkeys(populations_served or []))
    if any(p not in POPULATIONS for p in populations):
        errors["populations_served"] = [f"Choose among: {', '.join(sorted(POPULATIONS))}."]
    clean_degrees = _clean_degrees(list(degrees or []), errors)
    clean_licenses = _clean_licenses(list(licenses or []), errors)
    if errors:
        raise ValidationError(errors)
    row = ParticipantProfile.objects.filter(user=participant).values("legal_name", "organization_id").first()
    before: dict[str, Any] = dict(row) if row else {}
    profile = save_profile(
        participant=participant,
        legal_name=legal_name,
        organization=organization,
        organization_name=organization_name,
        currently_practicing=currently_practicing,
        populations=populations,
        practice_setting=practice_setting,
        prior_case_based_series=prior_case_based_series,
        degrees=clean_degrees,
        licenses=clean_licenses,
    )
    changes: dict[str, Any] = {}
    if before.get("legal_name") != profile.legal_name:
        changes["legal_name"] = [before.get("legal_name"), profile.legal_name]
    if before.get("organization_id") != profile.organization_id:
        changes["organization"] = [before.get("organization_id"), profile.organization_id]
    # License numbers are never written to the audit trail: only that the profile changed.
    audit_record(actor=actor, action="profile.updated", target=profile, changes=changes)
    return profile
