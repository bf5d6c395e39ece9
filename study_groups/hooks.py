"""Reacting to enrollments: when an enrollment ends (completed, lapsed, withdrawn) its study-group
places end with it, freeing them for the waitlist, and a Phase II/TTT trainer's co-facilitation ends."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from enrollment.models import OPEN_STATUSES, EnrollmentStatus

from .models import Facilitation, Membership, MembershipStatus


def end_places_when_enrollment_ends(enrollment: Any, old: str, new: str, actor: Any) -> None:
    if new in OPEN_STATUSES:
        return
    from .services import facilitation_end, membership_remove

    reason = f"{enrollment.get_phase_display()} enrollment {EnrollmentStatus(new).label.lower()}."
    for membership in Membership.objects.filter(
        enrollment=enrollment, status__in=[MembershipStatus.ACTIVE, MembershipStatus.WAITLISTED]
    ).select_related("group"):
        membership_remove(actor=actor, membership=membership, reason=reason, at=timezone.now())
    for facilitation in Facilitation.objects.filter(enrollment=enrollment, ended_at__isnull=True):
        facilitation_end(actor=actor, facilitation=facilitation, reason=reason)


def members_of_groups_led_by(user: Any) -> Any:
    """A mentor reads (never changes) the checklists and evidence of their groups' current members."""
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none().values_list("participant_id", flat=True)
    return Membership.objects.filter(group__mentors=user, status=MembershipStatus.ACTIVE).values_list(
        "participant_id", flat=True
    )


def register() -> None:
    from enrollment.hooks import register_status_changed
    from requirements_tracking.access import register_checklist_readers

    register_status_changed(end_places_when_enrollment_ends)
    register_checklist_readers(members_of_groups_led_by)
