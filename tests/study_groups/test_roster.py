from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from accounts.models import AuditEntry
from enrollment.models import EnrollmentStatus, Phase
from study_groups import services
from study_groups.models import GroupKind, Membership, MembershipStatus
from study_groups.services import RosterError

from . import factories as f

pytestmark = pytest.mark.django_db


def test_it_adds_an_enrolled_phase1_participant_and_keeps_every_stint(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    person = f.participant()
    first = services.membership_add(actor=cast.mentor, group=group, participant=person)
    assert first.status == MembershipStatus.ACTIVE and first.joined_at is not None
    services.membership_remove(actor=cast.mentor, membership=first, reason="Taking a break")
    again = services.membership_add(actor=cast.mentor, group=group, participant=person)

    rows = list(Membership.objects.filter(participant=person).order_by("id"))
    assert [r.status for r in rows] == ["ended", "active"]
    assert rows[0].left_reason == "Taking a break" and rows[0].ended_by == cast.mentor
    assert rows[1].pk == again.pk
    actions = list(AuditEntry.objects.filter(subject_user=person).values_list("action", flat=True))
    assert actions.count("study_group.member_added") == 2
    assert "study_group.member_removed" in actions


@pytest.mark.parametrize(
    "setup",
    ["not_enrolled", "wrong_phase", "pending", "withdrawn"],
)
def test_it_refuses_someone_not_enrolled_in_the_groups_phase(cast: Any, frozen: Any, setup: str) -> None:
    group = f.group(cast.mentor)
    if setup == "not_enrolled":
        person = cast.other_participant
    elif setup == "wrong_phase":
        person = f.participant(phase=Phase.PHASE_2)
    else:
        person = f.participant(
            status=EnrollmentStatus.PENDING if setup == "pending" else EnrollmentStatus.WITHDRAWN
        )
    with pytest.raises(RosterError, match="no enrolled Phase I enrollment"):
        services.membership_add(actor=cast.mentor, group=group, participant=person)
    assert not Membership.objects.exists()


def test_a_trainer_group_takes_phase2_participants_only(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor, kind=GroupKind.TRAINER)
    with pytest.raises(RosterError):
        services.membership_add(actor=cast.mentor, group=group, participant=f.participant())
    m = services.membership_add(
        actor=cast.mentor, group=group, participant=f.participant(phase=Phase.PHASE_2)
    )
    assert m.status == MembershipStatus.ACTIVE and m.enrollment.phase == Phase.PHASE_2


def test_it_refuses_a_second_group_of_the_same_kind_and_asks_for_a_transfer(cast: Any, frozen: Any) -> None:
    a, b = f.group(cast.mentor), f.group(cast.mentor)
    person = f.participant()
    services.membership_add(actor=cast.mentor, group=a, participant=person)
    with pytest.raises(RosterError, match="transfer them instead"):
        services.membership_add(actor=cast.mentor, group=b, participant=person)
    assert Membership.objects.filter(group=b).count() == 0


def test_a_transfer_ends_one_stint_and_starts_another(cast: Any, frozen: Any) -> None:
    a, b = f.group(cast.mentor), f.group(cast.mentor)
    person = f.participant()
    old = services.membership_add(actor=cast.mentor, group=a, participant=person)
    new = services.membership_transfer(actor=cast.mentor, membership=old, to_group=b, reason="Time zone")
    old.refresh_from_db()
    assert old.status == MembershipStatus.ENDED and old.transferred_to == new
    assert old.left_reason == f"Transferred to {b.name}. Time zone"
    assert new.group == b and new.status == MembershipStatus.ACTIVE
    assert AuditEntry.objects.filter(action="study_group.member_transferred").count() == 1


def test_a_transfer_to_a_full_group_changes_nothing(cast: Any, frozen: Any) -> None:
    a, full = f.group(cast.mentor), f.group(cast.mentor, capacity=1)
    services.membership_add(actor=cast.mentor, group=full, participant=f.participant())
    member = services.membership_add(actor=cast.mentor, group=a, participant=f.participant())
    with pytest.raises(RosterError, match=r"is full \(1 of 1\)\. Nothing was changed"):
        services.membership_transfer(actor=cast.mentor, membership=member, to_group=full)
    member.refresh_from_db()
    assert member.status == MembershipStatus.ACTIVE
    assert Membership.objects.filter(group=full).count() == 1


def test_a_transfer_to_another_kind_of_group_is_refused(cast: Any, frozen: Any) -> None:
    a, trainer_group = f.group(cast.mentor), f.group(cast.mentor, kind=GroupKind.TRAINER)
    member = services.membership_add(actor=cast.mentor, group=a, participant=f.participant())
    with pytest.raises(RosterError):
        services.membership_transfer(actor=cast.mentor, membership=member, to_group=trainer_group)


def test_removing_needs_a_reason(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    member = services.membership_add(actor=cast.mentor, group=group, participant=f.participant())
    with pytest.raises(RosterError, match="Say why"):
        services.membership_remove(actor=cast.mentor, membership=member, reason="  ")
    member.refresh_from_db()
    assert member.status == MembershipStatus.ACTIVE


# --- capacity and waitlist ---------------------------------------------------------------------


def test_past_capacity_goes_to_the_waitlist_and_a_freed_place_promotes_the_longest_waiting(
    cast: Any, frozen: Any, django_capture_on_commit_callbacks: Any, eager_celery: None
) -> None:
    group = f.group(cast.mentor, capacity=2)
    people = [f.participant() for _ in range(4)]
    rows = []
    for person in people:
        rows.append(services.membership_add(actor=cast.mentor, group=group, participant=person))
        frozen.shift(60)
    assert [r.status for r in rows] == ["active", "active", "waitlisted", "waitlisted"]
    assert [services.waitlist_position(r) for r in rows[2:]] == [1, 2]
    assert AuditEntry.objects.filter(action="study_group.member_waitlisted").count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.membership_remove(actor=cast.mentor, membership=rows[0], reason="Moved away")
    assert [m.pk for m in promoted] == [rows[2].pk]
    rows[2].refresh_from_db()
    rows[3].refresh_from_db()
    assert rows[2].status == MembershipStatus.ACTIVE and rows[2].joined_at is not None
    assert rows[3].status == MembershipStatus.WAITLISTED and services.waitlist_position(rows[3]) == 1
    assert [m.to for m in mail.outbox] == [[people[2].email]]
    assert "is yours" in mail.outbox[0].subject


def test_someone_no_longer_enrolled_is_skipped_on_the_waitlist(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor, capacity=1)
    first = services.membership_add(actor=cast.mentor, group=group, participant=f.participant())
    lapsed = services.membership_add(actor=cast.mentor, group=group, participant=f.participant())
    frozen.shift(60)
    waiting = services.membership_add(actor=cast.mentor, group=group, participant=f.participant())
    lapsed.enrollment.status = EnrollmentStatus.WITHDRAWN
    lapsed.enrollment.save(update_fields=["status"])
    services.membership_remove(actor=cast.mentor, membership=first, reason="Done")
    lapsed.refresh_from_db()
    waiting.refresh_from_db()
    assert lapsed.status == MembershipStatus.WAITLISTED
    assert waiting.status == MembershipStatus.ACTIVE


def test_raising_the_capacity_promotes_from_the_waitlist(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor, capacity=1)
    services.membership_add(actor=cast.mentor, group=group, participant=f.participant())
    waiting = services.membership_add(actor=cast.mentor, group=group, participant=f.participant())
    services.group_update(actor=cast.staff, group=group, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == MembershipStatus.ACTIVE


def test_an_enrollment_that_ends_frees_its_place_for_the_waitlist(cast: Any, frozen: Any) -> None:
    from enrollment.services import enrollment_change_status

    group = f.group(cast.mentor, capacity=1)
    member = services.membership_add(actor=cast.mentor, group=group, participant=f.participant())
    waiting = services.membership_add(actor=cast.mentor, group=group, participant=f.participant())
    enrollment_change_status(
        actor=cast.staff, enrollment=member.enrollment, new_status="withdrawn", reason="Left"
    )
    member.refresh_from_db()
    waiting.refresh_from_db()
    assert member.status == MembershipStatus.ENDED and member.left_reason == "Phase I enrollment withdrawn."
    assert waiting.status == MembershipStatus.ACTIVE
