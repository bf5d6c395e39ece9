"""Study groups × roles. Group A is led by `mentor`, with `participant` as a member and `trainer`
co-facilitating (in the second year of Phase II/TTT, so facilitating); group B is led by `other_mentor`
with `other_participant`. Everyone outside group A gets 404 on it; those who see it but may not change
it get 403."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from enrollment.dates import add_months
from enrollment.models import ENROLLED_STATUSES, Enrollment, EnrollmentStatus, Phase, ProgramPolicy
from study_groups import services
from study_groups.models import DEFAULT_RULES, GroupKind
from tests.support import make_user

from .base import EVERYONE, STAFF, Case, World, api, page

MANAGERS = frozenset({"mentor"}) | STAFF
SEE_A = MANAGERS | {"participant", "trainer"}
ROSTER_A = MANAGERS | {"trainer"}
OUTSIDERS = frozenset({"other_participant", "other_mentor"})
J = "application/json"


def _enroll(user: Any, phase: str, start: Any) -> Enrollment:
    # Other matrix modules may have enrolled the same cast member already: reuse that enrollment.
    existing = Enrollment.objects.filter(
        participant=user, phase=phase, status__in=sorted(ENROLLED_STATUSES)
    ).first()
    if existing is not None:
        return existing
    policy = ProgramPolicy.objects.get(name="December 2025")
    return Enrollment.objects.create(
        participant=user,
        phase=phase,
        policy=policy,
        status=EnrollmentStatus.ACTIVE,
        start_date=start,
        term_end=add_months(start, policy.rule(phase).term_months),
    )


def _group(mentor: Any, name: str, start: Any) -> Any:
    return services.group_create(
        actor=None,
        kind=GroupKind.CERTIFICATION,
        name=name,
        mentors=[mentor],
        capacity=10,
        recurrence_rule=DEFAULT_RULES[GroupKind.CERTIFICATION],
        starts_on=start,
        start_time=time(15, 0),
        time_zone="America/New_York",
    )


def build(world: World) -> None:
    now = timezone.now()
    start = timezone.localdate() - timedelta(days=60)
    joined = datetime.combine(start, time.min, tzinfo=now.tzinfo)
    for user in (world.participant, world.other_participant):
        _enroll(user, Phase.PHASE_1, start)
    _enroll(world.trainer, Phase.PHASE_2, start - timedelta(days=400))
    world.sg_a = _group(world.mentor, "Group A", start)
    world.sg_a2 = _group(world.mentor, "Group A2", start)
    world.sg_b = _group(world.other_mentor, "Group B", start)
    world.sg_member = services.membership_add(
        actor=None, group=world.sg_a, participant=world.participant, at=joined
    )
    services.membership_add(actor=None, group=world.sg_b, participant=world.other_participant, at=joined)
    world.sg_facilitation = services.facilitation_assign(
        actor=None, group=world.sg_a, trainer=world.trainer, at=joined
    )
    world.sg_newcomer = make_user("newcomer@example.org", ["participant"])
    _enroll(world.sg_newcomer, Phase.PHASE_1, start)
    world.sg_new_trainer = make_user("new-trainer@example.org", ["trainer", "participant"])
    _enroll(world.sg_new_trainer, Phase.PHASE_2, start)
    world.sg_past = world.sg_a.meetings.filter(starts_at__lt=now).order_by("-starts_at").first()
    world.sg_future = (
        world.sg_a.meetings.filter(starts_at__gt=now + timedelta(days=2)).order_by("starts_at").first()
    )


def _a(world: World) -> dict[str, Any]:
    return {"pk": world.sg_a.pk}


def _member(world: World) -> dict[str, Any]:
    return {"pk": world.sg_a.pk, "membership_pk": world.sg_member.pk}


def _past(world: World) -> dict[str, Any]:
    return {"pk": world.sg_a.pk, "meeting_pk": world.sg_past.pk}


def _future(world: World) -> dict[str, Any]:
    return {"pk": world.sg_a.pk, "meeting_pk": world.sg_future.pk}


def _facilitation(world: World) -> dict[str, Any]:
    return {"pk": world.sg_a.pk, "facilitation_pk": world.sg_facilitation.pk}


def _new_group(world: World) -> dict[str, Any]:
    return {
        "kind": "certification",
        "name": "Matrix group",
        "mentors": [world.mentor.pk],
        "capacity": 5,
        "recurrence_rule": "FREQ=MONTHLY;BYDAY=TH;BYSETPOS=1,3",
        "starts_on": timezone.localdate().isoformat(),
        "start_time": "15:00",
        "time_zone": "America/New_York",
        "duration_minutes": 60,
    }


def _new_group_api(world: World) -> dict[str, Any]:
    data = _new_group(world)
    data.pop("mentors")
    return data | {"mentor_emails": [world.mentor.email]}


def _move_to(world: World) -> dict[str, Any]:
    return {"starts_at": (world.sg_future.starts_at + timedelta(days=1)).isoformat(), "reason": "Holiday"}


NOT_A = OUTSIDERS
VISIBLE_NOT_MANAGER = {"participant", "trainer"}

CASES: list[Case] = [
    page("study_groups:index", EVERYONE),
    page("study_groups:create", STAFF),
    page("study_groups:create", STAFF, method="post", ok=302, data=_new_group),
    page("study_groups:edit", STAFF, kwargs=_a),
    page("study_groups:edit", STAFF, kwargs=_a, method="post", ok=302, data=lambda w: _new_group(w) | {"is_active": "on"}),
    page("study_groups:detail", SEE_A, kwargs=_a, not_found=NOT_A),
    page("study_groups:member_add", MANAGERS, kwargs=_a, method="post", ok=302, not_found=NOT_A,
         data=lambda w: {"email": w.sg_newcomer.email}),
    page("study_groups:member_remove", MANAGERS, kwargs=_member, method="post", ok=302, not_found=NOT_A,
         data={"reason": "Moved away"}),
    page("study_groups:member_transfer", MANAGERS, kwargs=_member, method="post", ok=302, not_found=NOT_A,
         data=lambda w: {"to_group": w.sg_a2.pk}),
    page("study_groups:facilitator_assign", STAFF, kwargs=_a, method="post", ok=302,
         data=lambda w: {"email": w.sg_new_trainer.email}),
    page("study_groups:facilitator_end", STAFF, kwargs=_facilitation, method="post", ok=302, data={"reason": "Done"}),
    page("study_groups:meetings_generate", MANAGERS, kwargs=_a, method="post", ok=302, not_found=NOT_A),
    page("study_groups:meeting", ROSTER_A, kwargs=_past, not_found=NOT_A),
    page("study_groups:meeting", ROSTER_A, kwargs=_past, method="post", ok=302, not_found=NOT_A,
         data=lambda w: {f"attendance-{w.sg_member.pk}": "present"}, note="attendance"),
    page("study_groups:meeting_move", MANAGERS, kwargs=_future, method="post", ok=302, not_found=NOT_A,
         data=lambda w: {"starts_at": (w.sg_future.starts_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}),
    page("study_groups:meeting_cancel", MANAGERS, kwargs=_future, method="post", ok=302, not_found=NOT_A,
         data={"reason": "Storm"}),
    page("study_groups:feedback", {"trainer"}, kwargs=_past, not_found=NOT_A),
    page("study_groups:feedback", {"trainer"}, kwargs=_past, method="post", ok=302, not_found=NOT_A,
         data={"went_well": "Good", "to_improve": "Time"}),
    page("study_groups:remind_behind", MANAGERS, kwargs=_a, method="post", ok=302, not_found=NOT_A),
    # API
    api("api:study-group-list", EVERYONE),
    api("api:study-group-list", STAFF, method="post", ok=201, data=_new_group_api, content_type=J),
    api("api:study-group-detail", SEE_A, kwargs=_a, not_found=NOT_A),
    api("api:study-group-detail", STAFF, kwargs=_a, method="patch", not_found=NOT_A, data={"capacity": 12},
        content_type=J),
    api("api:study-group-roster", ROSTER_A, kwargs=_a, not_found=NOT_A),
    api("api:study-group-roster", MANAGERS, kwargs=_a, method="post", ok=201, not_found=NOT_A,
        data=lambda w: {"participant_email": w.sg_newcomer.email}, content_type=J),
    api("api:study-group-member-remove", MANAGERS, kwargs=_member, method="post", not_found=NOT_A,
        data={"reason": "Moved away"}, content_type=J),
    api("api:study-group-member-transfer", MANAGERS, kwargs=_member, method="post", not_found=NOT_A,
        data=lambda w: {"to_group": w.sg_a2.pk}, content_type=J),
    api("api:study-group-progress", MANAGERS, kwargs=_a, not_found=NOT_A),
    api("api:study-group-remind", MANAGERS, kwargs=_a, method="post", ok=202, not_found=NOT_A, content_type=J),
    api("api:study-group-meetings", SEE_A, kwargs=_a, not_found=NOT_A),
    api("api:study-group-meetings-generate", MANAGERS, kwargs=_a, method="post", not_found=NOT_A, content_type=J),
    api("api:study-group-meeting-move", MANAGERS, kwargs=_future, method="post", not_found=NOT_A, data=_move_to,
        content_type=J),
    api("api:study-group-meeting-cancel", MANAGERS, kwargs=_future, method="post", not_found=NOT_A,
        data={"reason": "Storm"}, content_type=J),
    api("api:study-group-attendance", ROSTER_A, kwargs=_past, not_found=NOT_A),
    api("api:study-group-attendance", ROSTER_A, kwargs=_past, method="post", not_found=NOT_A,
        data=lambda w: {"entries": [{"membership": w.sg_member.pk, "status": "present"}]}, content_type=J),
    api("api:study-group-feedback", {"trainer"}, kwargs=_past, method="post", ok=201, not_found=NOT_A,
        data={"went_well": "Good", "to_improve": "Time"}, content_type=J),
    api("api:study-group-facilitators", SEE_A, kwargs=_a, not_found=NOT_A),
    api("api:study-group-facilitators", STAFF, kwargs=_a, method="post", ok=201, not_found=NOT_A,
        data=lambda w: {"trainer_email": w.sg_new_trainer.email}, content_type=J),
    api("api:study-group-facilitator-end", STAFF, kwargs=_facilitation, method="post", not_found=NOT_A,
        data={"reason": "Done"}, content_type=J),
]  # fmt: skip
