"""API of the Study groups app, mounted under /api/v1/ (names in the "api" namespace).

The same selectors and services as the pages: another person's group answers 404, refusals come back
in the one error shape ({"error": {"code", "message", "fields"}})."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_permissions import DefaultApiPermission
from accounts.roles import is_staff_member
from accounts.schema import error

from . import selectors, services
from .models import (
    AttendanceStatus,
    Facilitation,
    GroupKind,
    Meeting,
    Membership,
    StudyGroup,
)

TAGS = ["study groups"]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="display_name")


class GroupSerializer(serializers.ModelSerializer):
    mentors = PersonSerializer(many=True, read_only=True)
    phase = serializers.CharField(read_only=True)

    class Meta:
        model = StudyGroup
        fields = [
            "id", "kind", "phase", "name", "cohort", "mentors", "capacity", "recurrence_rule", "starts_on",
            "start_time", "time_zone", "duration_minutes", "ends_on", "video_link", "is_active",
        ]  # fmt: skip


class GroupWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=GroupKind.choices)
    name = serializers.CharField(max_length=150)
    cohort = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    mentor_emails = serializers.ListField(child=serializers.EmailField(), min_length=1)
    capacity = serializers.IntegerField(min_value=1)
    recurrence_rule = serializers.CharField(max_length=500)
    starts_on = serializers.DateField()
    start_time = serializers.TimeField()
    time_zone = serializers.CharField(max_length=64)
    duration_minutes = serializers.IntegerField(min_value=1, default=60)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    video_link = serializers.URLField(required=False, allow_blank=True, default="")


class GroupPatchSerializer(GroupWriteSerializer):
    is_active = serializers.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("kind")
        for f in self.fields.values():
            f.required = False


class MembershipSerializer(serializers.ModelSerializer):
    participant = PersonSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id", "participant", "enrollment", "status", "waitlisted_at", "joined_at", "left_at", "left_reason",
            "transferred_to",
        ]  # fmt: skip


class AddMemberSerializer(serializers.Serializer):
    participant_email = serializers.EmailField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class TransferSerializer(serializers.Serializer):
    to_group = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class MeetingSerializer(serializers.ModelSerializer):
    ends_at = serializers.DateTimeField(read_only=True)
    is_moved = serializers.BooleanField(read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "occurrence",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "status",
            "is_moved",
            "note",
        ]


class MoveSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text="With its offset, e.g. 2026-03-05T15:00:00-05:00.")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AttendanceEntrySerializer(serializers.Serializer):
    membership = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class AttendanceWriteSerializer(serializers.Serializer):
    entries = AttendanceEntrySerializer(many=True)


class AttendanceRowSerializer(serializers.Serializer):
    membership = serializers.IntegerField()
    participant = PersonSerializer()
    status = serializers.CharField(allow_blank=True)


class FeedbackSerializer(serializers.Serializer):
    went_well = serializers.CharField()
    to_improve = serializers.CharField()


class FacilitationSerializer(serializers.ModelSerializer):
    trainer = PersonSerializer(read_only=True)

    class Meta:
        model = Facilitation
        fields = ["id", "trainer", "enrollment", "started_at", "ended_at", "ended_reason"]


class AssignSerializer(serializers.Serializer):
    trainer_email = serializers.EmailField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CreatedCountSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class QueuedCountSerializer(serializers.Serializer):
    queued = serializers.IntegerField()


class FeedbackCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=["observer", "facilitator"])


class ProgressRowSerializer(serializers.Serializer):
    membership = serializers.IntegerField(source="membership.pk")
    participant = PersonSerializer(source="membership.participant")
    enrollment = serializers.IntegerField(source="membership.enrollment_id")
    percent = serializers.IntegerField(allow_null=True)
    behind = serializers.BooleanField()
    complete = serializers.BooleanField()
    attended_this_month = serializers.IntegerField()
    held_this_month = serializers.IntegerField()
    fidelity = serializers.CharField(allow_blank=True)
    calls_done = serializers.IntegerField(allow_null=True)
    calls_target = serializers.IntegerField(allow_null=True)


def _person(email: str) -> Any:
    person = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if person is None:
        raise Http404("No one has that e-mail address.")
    return person


def _staff_only(user: Any) -> None:
    if not is_staff_member(user):
        raise PermissionDenied("Only NMN staff do this.")


@extend_schema(methods=["GET"], responses=GroupSerializer(many=True), tags=TAGS)
@extend_schema(
    methods=["POST"],
    request=GroupWriteSerializer,
    responses={201: GroupSerializer, 404: error(404)},
    tags=TAGS,
)
@api_view(["GET", "POST"])
@permission_classes([DefaultApiPermission])
def group_list(request: Request) -> Response:
    """Groups you may see (staff: all; mentors: those they lead; trainers: those they co-facilitate;
    participants: their own). Staff create groups."""
    if request.method == "GET":
        groups = selectors.groups_visible_to(request.user).prefetch_related("mentors")
        return Response(GroupSerializer(groups[:500], many=True).data)
    _staff_only(request.user)
    body = GroupWriteSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = dict(body.validated_data)
    mentors = [_person(e) for e in data.pop("mentor_emails")]
    group = services.group_create(actor=request.user, mentors=mentors, **data)
    return Response(GroupSerializer(group).data, status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses=GroupSerializer, tags=TAGS)
@extend_schema(methods=["PATCH"], request=GroupPatchSerializer, responses=GroupSerializer, tags=TAGS)
@api_view(["GET", "PATCH"])
@permission_classes([DefaultApiPermission])
def group_detail(request: Request, pk: int) -> Response:
    group, _access = selectors.get_group_for_user(request.user, pk)
    if request.method == "PATCH":
        _staff_only(request.user)
        body = GroupPatchSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        emails = data.pop("mentor_emails", None)
        mentors = [_person(e) for e in emails] if emails is not None else None
        group = services.group_update(actor=request.user, group=group, mentors=mentors, **data)
    return Response(GroupSerializer(group).data)


@extend_schema(methods=["GET"], responses=MembershipSerializer(many=True), tags=TAGS)
@extend_schema(
    methods=["POST"], request=AddMemberSerializer, responses={201: MembershipSerializer}, tags=TAGS
)
@api_view(["GET", "POST"])
@permission_classes([DefaultApiPermission])
def roster(request: Request, pk: int) -> Response:
    """The roster and waitlist (`?history=1`: every stint ever). POST adds an enrolled participant of the
    group's phase; when the group is full they go to the waitlist (status "waitlisted")."""
    group, access = selectors.get_group_for_user(request.user, pk)
    if request.method == "GET":
        if not access.can_see_roster:
            raise PermissionDenied("Only the group's mentors, co-facilitators and staff see its roster.")
        qs = selectors.roster_history(group)
        if request.query_params.get("history") != "1":
            qs = qs.filter(status__in=selectors.OPEN)
        return Response(MembershipSerializer(qs[:1000], many=True).data)
    group, access = selectors.get_managed_group(request.user, pk)
    body = AddMemberSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    membership = services.membership_add(
        actor=request.user,
        group=group,
        participant=_person(body.validated_data["participant_email"]),
        reason=body.validated_data["reason"],
    )
    return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


@extend_schema(request=ReasonSerializer, responses=MembershipSerializer(many=True), tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def member_remove(request: Request, pk: int, membership_pk: int) -> Response:
    """End a membership (or a waitlist place) with a reason. Answers the people promoted from the waitlist."""
    group, _ = selectors.get_managed_group(request.user, pk)
    membership = selectors.get_membership(group, membership_pk)
    body = ReasonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    promoted = services.membership_remove(
        actor=request.user, membership=membership, reason=body.validated_data["reason"]
    )
    return Response(MembershipSerializer(promoted, many=True).data)


@extend_schema(request=TransferSerializer, responses=MembershipSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def member_transfer(request: Request, pk: int, membership_pk: int) -> Response:
    """Move a member to another group of the same kind (mentors: one they also lead). A full target refuses."""
    group, _access = selectors.get_managed_group(request.user, pk)
    membership = selectors.get_membership(group, membership_pk)
    body = TransferSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    target, _target_access = selectors.get_managed_group(request.user, body.validated_data["to_group"])
    new = services.membership_transfer(
        actor=request.user, membership=membership, to_group=target, reason=body.validated_data["reason"]
    )
    return Response(MembershipSerializer(new).data)


@extend_schema(responses=ProgressRowSerializer(many=True), tags=TAGS)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def progress(request: Request, pk: int) -> Response:
    """The mentor console: each current member's requirement progress, attendance this month, fidelity
    status and "behind" flag. Mentors of the group and staff only."""
    group, _ = selectors.get_managed_group(request.user, pk)
    return Response(ProgressRowSerializer(selectors.console(group).rows, many=True).data)


@extend_schema(request=None, responses={202: QueuedCountSerializer}, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def remind_behind(request: Request, pk: int) -> Response:
    """E-mail a reminder to the members who are behind (queued; at most one per member a day)."""
    group, _ = selectors.get_managed_group(request.user, pk)
    behind = selectors.console(group).behind_ids
    count = services.reminders_send_to_behind(actor=request.user, group=group, membership_ids=behind)
    return Response({"queued": count}, status=status.HTTP_202_ACCEPTED)


@extend_schema(responses=MeetingSerializer(many=True), tags=TAGS)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def meetings(request: Request, pk: int) -> Response:
    """The group's meetings (`?upcoming=1`: from now on)."""
    group, _ = selectors.get_group_for_user(request.user, pk)
    qs = Meeting.objects.filter(group=group).order_by("starts_at")
    if request.query_params.get("upcoming") == "1":
        from django.utils import timezone

        qs = qs.filter(starts_at__gte=timezone.now())
    return Response(MeetingSerializer(qs[:500], many=True).data)


@extend_schema(request=None, responses=CreatedCountSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def meetings_generate(request: Request, pk: int) -> Response:
    """Materialize the pattern's meetings for the window ahead (idempotent)."""
    group, _ = selectors.get_managed_group(request.user, pk)
    return Response({"created": services.meetings_materialize(group=group)})


@extend_schema(request=MoveSerializer, responses=MeetingSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def meeting_move(request: Request, pk: int, meeting_pk: int) -> Response:
    group, _ = selectors.get_managed_group(request.user, pk)
    body = MoveSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    meeting = services.meeting_move(
        actor=request.user,
        meeting=selectors.get_meeting(group, meeting_pk),
        starts_at=body.validated_data["starts_at"],
        reason=body.validated_data["reason"],
    )
    return Response(MeetingSerializer(meeting).data)


@extend_schema(request=ReasonSerializer, responses=MeetingSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def meeting_cancel(request: Request, pk: int, meeting_pk: int) -> Response:
    group, _ = selectors.get_managed_group(request.user, pk)
    body = ReasonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    meeting = services.meeting_cancel(
        actor=request.user,
        meeting=selectors.get_meeting(group, meeting_pk),
        reason=body.validated_data["reason"],
    )
    return Response(MeetingSerializer(meeting).data)


@extend_schema(methods=["GET"], responses=AttendanceRowSerializer(many=True), tags=TAGS)
@extend_schema(
    methods=["POST"],
    request=AttendanceWriteSerializer,
    responses=AttendanceRowSerializer(many=True),
    tags=TAGS,
)
@api_view(["GET", "POST"])
@permission_classes([DefaultApiPermission])
def attendance(request: Request, pk: int, meeting_pk: int) -> Response:
    """Attendance of a meeting that has taken place: one row per member at the time. Mentors, staff and
    facilitating trainers record it; all entries are saved or none."""
    group, access = selectors.get_group_for_user(request.user, pk)
    meeting = selectors.get_meeting(group, meeting_pk)
    if not access.can_see_roster:
        raise PermissionDenied("Only the group's mentors, co-facilitators and staff see attendance.")
    if request.method == "POST":
        if not access.can_record_attendance(meeting):
            raise PermissionDenied("Attendance is taken by the group's mentors and facilitating trainers.")
        body = AttendanceWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entries = {e["membership"]: e["status"] for e in body.validated_data["entries"]}
        services.attendance_record(actor=request.user, meeting=meeting, entries=entries)
    members = services.members_at(meeting) if meeting.has_started() else []
    marks = dict(meeting.attendance.values_list("membership_id", "status"))
    rows = [
        {"membership": m.pk, "participant": m.participant, "status": marks.get(m.pk, "")} for m in members
    ]
    return Response(AttendanceRowSerializer(rows, many=True).data)


@extend_schema(request=FeedbackSerializer, responses={201: FeedbackCreatedSerializer}, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def feedback(request: Request, pk: int, meeting_pk: int) -> Response:
    """A co-facilitating trainer's feedback on a meeting that took place."""
    group, access = selectors.get_group_for_user(request.user, pk)
    if access.facilitation is None:
        raise PermissionDenied("Feedback is given by the group's co-facilitating trainer.")
    body = FeedbackSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    fb = services.feedback_submit(
        actor=request.user,
        meeting=selectors.get_meeting(group, meeting_pk),
        facilitation=access.facilitation,
        **body.validated_data,
    )
    return Response({"id": fb.pk, "role": fb.role}, status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses=FacilitationSerializer(many=True), tags=TAGS)
@extend_schema(methods=["POST"], request=AssignSerializer, responses={201: FacilitationSerializer}, tags=TAGS)
@api_view(["GET", "POST"])
@permission_classes([DefaultApiPermission])
def facilitators(request: Request, pk: int) -> Response:
    """Trainers co-facilitating the group. Staff assign a Phase II/TTT participant."""
    group, _access = selectors.get_group_for_user(request.user, pk)
    if request.method == "POST":
        _staff_only(request.user)
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        f = services.facilitation_assign(
            actor=request.user,
            group=group,
            trainer=_person(body.validated_data["trainer_email"]),
            reason=body.validated_data["reason"],
        )
        return Response(FacilitationSerializer(f).data, status=status.HTTP_201_CREATED)
    return Response(FacilitationSerializer(selectors.active_facilitators(group), many=True).data)


@extend_schema(request=ReasonSerializer, responses=FacilitationSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def facilitator_end(request: Request, pk: int, facilitation_pk: int) -> Response:
    group, _ = selectors.get_group_for_user(request.user, pk)
    _staff_only(request.user)
    f = Facilitation.objects.filter(group=group, pk=facilitation_pk).first()
    if f is None:
        raise Http404("No such assignment in this group.")
    body = ReasonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    f = services.facilitation_end(actor=request.user, facilitation=f, reason=body.validated_data["reason"])
    return Response(FacilitationSerializer(f).data)


G = "study-groups/<int:pk>/"
urlpatterns = [
    path("study-groups/", group_list, name="study-group-list"),
    path(G, group_detail, name="study-group-detail"),
    path(G + "members/", roster, name="study-group-roster"),
    path(G + "members/<int:membership_pk>/remove/", member_remove, name="study-group-member-remove"),
    path(G + "members/<int:membership_pk>/transfer/", member_transfer, name="study-group-member-transfer"),
    path(G + "progress/", progress, name="study-group-progress"),
    path(G + "remind-behind/", remind_behind, name="study-group-remind"),
    path(G + "meetings/", meetings, name="study-group-meetings"),
    path(G + "meetings/generate/", meetings_generate, name="study-group-meetings-generate"),
    path(G + "meetings/<int:meeting_pk>/move/", meeting_move, name="study-group-meeting-move"),
    path(G + "meetings/<int:meeting_pk>/cancel/", meeting_cancel, name="study-group-meeting-cancel"),
    path(G + "meetings/<int:meeting_pk>/attendance/", attendance, name="study-group-attendance"),
    path(G + "meetings/<int:meeting_pk>/feedback/", feedback, name="study-group-feedback"),
    path(G + "facilitators/", facilitators, name="study-group-facilitators"),
    path(G + "facilitators/<int:facilitation_pk>/end/", facilitator_end, name="study-group-facilitator-end"),
]
