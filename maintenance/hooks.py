"""Maintenance's reactions to enrollment changes (registered in MaintenanceConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from enrollment.models import EnrollmentStatus, Phase

from .models import RecertificationRequirement


def resolve_requirements_when_recertified(enrollment: Any, old: str, new: str, actor: Any) -> None:
    """A completed Re-Certification answers the clinician's open Re-Certification requirements, whichever
    service completed it (ours, or enrollment's phase-transition approval)."""
    if enrollment.phase != Phase.RECERTIFICATION or new != EnrollmentStatus.COMPLETED:
        return
    RecertificationRequirement.objects.filter(
        participant_id=enrollment.participant_id, resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), recertification=enrollment)
