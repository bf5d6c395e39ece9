"""Rosters: add (or waitlist), remove, transfer, promote from the waitlist. Every change writes an audit
entry; a membership row is one stint, so ending it and starting another keeps the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.errors import DomainError
from accounts.services import audit_record
from enrollment.models import ENROLLED_STATUSES, Enrollment, Phase

from ..models import Membership, MembershipStatus, StudyGroup

M = MembershipStatus

# status -> statuses a membership may move to.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    M.WAITLISTED: frozenset({M.ACTIVE, M.ENDED}),
    M.ACTIVE: frozenset({M.ENDED}),
    M.ENDED: frozenset(),
}


class RosterError(DomainError):
    code = "roster"


def _check_transition(membership: Membership, new: str) -> None:
    if new not in ALLOWED_TRANSITIONS[membership.status]:
        raise RosterError(
            f"{membership.participant} is {membership.get_status_display().lower()} of {membership.group.name}: "
            f"that cannot become {M(new).label.lower()}.",
            code="transition_not_allowed",
        )


def eligible_enrollment(participant: Any, group: StudyGroup) -> Enrollment | None:
    """The participant's enrolled enrollment in the phase the group is for, if any."""
    return (
        Enrollment.objects.filter(
            participant=participant, phase=group.phase, status__in=sorted(ENROLLED_STATUSES)
        )
        .order_by("-start_date", "-id")
        .first()
    )


def _lock_groups(*groups: StudyGroup) -> None:
    # Locks the groups' rows (in id order, so two transfers in opposite directions cannot deadlock):
    # two mentors adding the last free place at once must not both see it free.
    ids = sorted({g.pk for g in groups})
    list(StudyGroup.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def active_count(group: StudyGroup) -> int:
    return group.memberships.filter(status=M.ACTIVE).count()


def _require_enrolled(participant: Any, group: StudyGroup) -> Enrollment:
    enrollment = eligible_enrollment(participant, group)
    if enrollment is None:
        raise RosterError(
            f"{participant} has no enrolled {Phase(group.phase).label} enrollment, so cannot join a "
            f"{group.get_kind_display()}. Nothing was changed.",
            code="not_enrolled",
        )
    return enrollment


def _require_not_in_other_group(participant: Any, group: StudyGroup) -> None:
    other = (
        Membership.objects.filter(
            participant=participant, group__kind=group.kind, status__in=[M.ACTIVE, M.WAITLISTED]
        )
        .exclude(group=group)
        .select_related("group")
        .first()
    )
    if other is not None:
        raise RosterError(
            f"{participant} is already {other.get_status_display().lower()} of {other.group.name}: "
            "transfer them instead. Nothing was changed.",
            code="already_in_a_group",
        )


@transaction.atomic
def membership_add(
    *, actor: Any, group: StudyGroup, participant: Any, reason: str = "", at: datetime | None = None
) -> Membership:
    """Put an enrolled participant of the group's phase on the roster, or on the waitlist when full."""
    at = at or timezone.now()
    _lock_groups(group)
    if not group.is_active:
        raise RosterError(f"{group.name} is closed. Nothing was changed.", code="group_closed")
    enrollment = _require_enrolled(participant, group)
    existing = Membership.objects.filter(
        group=group, participant=participant, status__in=[M.ACTIVE, M.WAITLISTED]
    ).first()
    if existing is not None:
        raise RosterError(
            f"{participant} is already {existing.get_status_display().lower()} of {group.name}.",
            code="already_member",
        )
    _require_not_in_other_group(participant, group)
    full = active_count(group) >= group.capacity
    membership = Membership.objects.create(
        group=group,
        participant=participant,
        enrollment=enrollment,
        status=M.WAITLISTED if full else M.ACTIVE,
        waitlisted_at=at if full else None,
        joined_at=None if full else at,
        added_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="study_group.member_waitlisted" if full else "study_group.member_added",
        target=membership,
        reason=reason,
        changes={"group": group.name, "status": membership.status, "enrollment": enrollment.pk},
    )
    return membership


def waitlist_position(membership: Membership) -> int:
    """1 for the longest-waiting person on the group's waitlist."""
    earlier = Q(waitlisted_at__lt=membership.waitlisted_at) | Q(
        waitlisted_at=membership.waitlisted_at, id__lte=membership.pk
    )
    return Membership.objects.filter(earlier, group_id=membership.group_id, status=M.WAITLISTED).count()


def _promote_from_waitlist(*, actor: Any, group: StudyGroup, at: datetime) -> list[Membership]:
    """Fill free places with the longest-waiting people who are still enrolled in the right phase.
    Caller holds the group's lock."""
    promoted: list[Membership] = []
    free = group.capacity - active_count(group)
    if free <= 0:
        return promoted
    waiting = (
        Membership.objects.select_for_update()
        .filter(group=group, status=M.WAITLISTED)
        .select_related("enrollment", "participant")
        .order_by("waitlisted_at", "id")
    )
    for membership in waiting:
        if len(promoted) >= free:
            break
        if membership.enrollment.status not in ENROLLED_STATUSES:
            continue  # no longer enrolled: stays on the waitlist, staff decide
        if Membership.objects.filter(
            participant=membership.participant, group__kind=group.kind, status=M.ACTIVE
        ).exists():
            continue  # joined another group meanwhile
        _check_transition(membership, M.ACTIVE)
        membership.status = M.ACTIVE
        membership.joined_at = at
        membership.save(update_fields=["status", "joined_at"])
        audit_record(
            actor=actor,
            action="study_group.member_promoted",
            target=membership,
            reason="A place became free.",
            changes={"group": group.name, "status": [M.WAITLISTED, M.ACTIVE]},
        )
        promoted.append(membership)
    if promoted:
        from ..notifications import queue_promotion_notice

        queue_promotion_notice([m.pk for m in promoted])
    return promoted


def _end(membership: Membership, *, actor: Any, reason: str, at: datetime) -> None:
    _check_transition(membership, M.ENDED)
    membership.status = M.ENDED
    membership.left_at = at
    membership.left_reason = reason
    membership.ended_by = actor if getattr(actor, "is_authenticated", False) else None
    membership.save(update_fields=["status", "left_at", "left_reason", "ended_by", "transferred_to"])


@transaction.atomic
def membership_remove(
    *, actor: Any, membership: Membership, reason: str, at: datetime | None = None
) -> list[Membership]:
    """End a stint (or take someone off the waitlist) with a reason; promote from the waitlist.
    Returns the memberships promoted."""
    at = at or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise RosterError("Say why the participant leaves the group. Nothing was changed.", code="invalid")
    _lock_groups(membership.group)
    membership = Membership.objects.select_related("group", "participant").get(pk=membership.pk)
    old = membership.status
    _end(membership, actor=actor, reason=reason, at=at)
    audit_record(
        actor=actor,
        action="study_group.member_removed",
        target=membership,
        reason=reason,
        changes={"group": membership.group.name, "status": [old, M.ENDED]},
    )
    return _promote_from_waitlist(actor=actor, group=membership.group, at=at)


@transaction.atomic
def membership_transfer(
    *, actor: Any, membership: Membership, to_group: StudyGroup, reason: str = "", at: datetime | None = None
) -> Membership:
    """Move a member to another group of the same kind: the old stint ends, a new one starts. A full
    target refuses (the member keeps their place; put them on the target's waitlist by adding instead)."""
    at = at or timezone.now()
    _lock_groups(membership.group, to_group)
    membership = Membership.objects.select_related("group", "participant", "enrollment").get(pk=membership.pk)
    source = membership.group
    if membership.status != M.ACTIVE:
        raise RosterError("Only a current member can be transferred. Nothing was changed.", code="invalid")
    if to_group.pk == source.pk:
        raise RosterError("Choose another group to transfer to. Nothing was changed.", code="invalid")
    if to_group.kind != source.kind or not to_group.is_active:
        raise RosterError(
            f"{to_group.name} is not an open {source.get_kind_display()}. Nothing was changed.",
            code="invalid",
        )
    if Membership.objects.filter(
        group=to_group, participant=membership.participant, status__in=[M.ACTIVE, M.WAITLISTED]
    ).exists():
        raise RosterError(
            f"{membership.participant} is already on {to_group.name}'s roster or waitlist. Nothing was changed.",
            code="already_member",
        )
    taken = active_count(to_group)
    if taken >= to_group.capacity:
        raise RosterError(
            f"{to_group.name} is full ({taken} of {to_group.capacity}). Nothing was changed.",
            code="group_full",
        )
    enrollment = _require_enrolled(membership.participant, to_group)
    new = Membership.objects.create(
        group=to_group,
        participant=membership.participant,
        enrollment=enrollment,
        status=M.ACTIVE,
        joined_at=at,
        added_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    membership.transferred_to = new
    text = f"Transferred to {to_group.name}." + (f" {reason.strip()}" if reason.strip() else "")
    _end(membership, actor=actor, reason=text, at=at)
    audit_record(
        actor=actor,
        action="study_group.member_transferred",
        target=new,
        reason=reason,
        changes={"from_group": source.name, "to_group": to_group.name, "from_membership": membership.pk},
    )
    _promote_from_waitlist(actor=actor, group=source, at=at)
    return new


@transaction.atomic
def waitlist_promote(*, actor: Any, group: StudyGroup, at: datetime | None = None) -> list[Membership]:
    """Fill any free places from the waitlist (after a capacity increase, say)."""
    _lock_groups(group)
    group.refresh_from_db()
    return _promote_from_waitlist(actor=actor, group=group, at=at or timezone.now())
