"""API of the Deadlines, Maintenance and Re-Certification app, mounted under /api/v1/ ("api" namespace).

Renewals, Re-Certification, the rule preview (as_of), reminders sent, and trainer presentations.
Services raise DomainError/ValidationError; the API error handler answers {"error": {...}}.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_permissions import DefaultApiPermission, HasRole, IsStaffMember
from accounts.roles import Role, is_staff_member
from accounts.schema import error
from enrollment.models import Enrollment, Phase
from enrollment.selectors import get_enrollment_for_user

from . import rules, selectors, services
from .models import Presentation

TAGS = ["maintenance"]


class IsTrainer(HasRole):
    roles = frozenset({Role.TRAINER})


class MaintenanceYearSerializer(serializers.ModelSerializer):
    participant_email = serializers.EmailField(source="participant.email", read_only=True)
    policy = serializers.CharField(source="policy.name", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "participant",
            "participant_email",
            "phase",
            "status",
            "year_number",
            "start_date",
            "term_end",
            "ended_on",
            "completed_on",
            "flagged_for_review",
            "flag_reason",
            "previous",
            "policy",
        ]


class RenewalRequestSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(help_text="The Maintenance year to renew.")
    start_date = serializers.DateField(required=False, help_text="Staff only: another start date.")


class FlagDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=services.RenewalDecision.CHOICES)
    reason = serializers.CharField(max_length=2000)


class RecertificationStartSerializer(serializers.Serializer):
    participant = serializers.IntegerField(required=False, help_text="Staff only: whom to start it for.")
    start_date = serializers.DateField(required=False, help_text="Staff only.")


class RecertificationQuerySerializer(serializers.Serializer):
    participant = serializers.IntegerField(required=False, help_text="Staff only: whose to show.")


class RecertificationStatusSerializer(serializers.Serializer):
    participant = serializers.IntegerField()
    required_reason = serializers.CharField(help_text="Why Re-Certification is required; empty if it is not.")
    enrollments = MaintenanceYearSerializer(many=True)


class RecertificationApproveSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RuleDecisionSerializer(serializers.Serializer):
    rule = serializers.CharField()
    enrollment_id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    participant = serializers.CharField()
    phase = serializers.CharField()
    old_status = serializers.CharField()
    new_status = serializers.CharField()
    flag = serializers.CharField()
    due_on = serializers.DateField()
    reason = serializers.CharField()


class RulePreviewSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    total = serializers.IntegerField()
    by_rule = serializers.DictField(child=serializers.IntegerField())
    decisions = RuleDecisionSerializer(many=True)


class SentReminderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = serializers.IntegerField(source="participant_id")
    enrollment = serializers.IntegerField(source="enrollment_id")
    kind = serializers.CharField()
    deadline = serializers.DateField()
    days_before = serializers.IntegerField()
    subject = serializers.CharField()
    body_text = serializers.CharField()
    sent_at = serializers.DateTimeField()


class PresentationSerializer(serializers.ModelSerializer):
    trainer_email = serializers.EmailField(source="trainer.email", read_only=True)
    slides_url = serializers.SerializerMethodField()

    class Meta:
        model = Presentation
        fields = [
            "id",
            "trainer",
            "trainer_email",
            "title",
            "audience",
            "planned_on",
            "venue",
            "slides_name",
            "slides_url",
            "status",
            "review_comments",
            "reviewed_at",
            "delivered_on",
            "attendees",
            "delivery_notes",
            "created_at",
        ]

    def get_slides_url(self, obj: Presentation) -> str:
        return reverse("maintenance:presentation_slides", args=[obj.pk])


class PresentationSubmitSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    audience = serializers.CharField(max_length=200)
    planned_on = serializers.DateField()
    venue = serializers.CharField(max_length=200)
    slides = serializers.FileField()


class PresentationReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "Approve"), ("return", "Return with comments")])
    comments = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class PresentationDeliveredSerializer(serializers.Serializer):
    delivered_on = serializers.DateField()
    attendees = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


@extend_schema(methods=["GET"], responses=MaintenanceYearSerializer(many=True), tags=TAGS)
@extend_schema(
    methods=["POST"],
    request=RenewalRequestSerializer,
    responses={201: MaintenanceYearSerializer, 404: error(404)},
    tags=TAGS,
)
@api_view(["GET", "POST"])
@permission_classes([DefaultApiPermission])
def renewals(request: Request) -> Response:
    """GET: Maintenance years (your own; staff: all, newest first). POST: renew one (opens the next year
    and issues its invoice)."""
    if request.method == "GET":
        user: Any = request.user
        qs = Enrollment.objects.filter(phase=Phase.MAINTENANCE).select_related("participant", "policy")
        if not is_staff_member(user):
            qs = qs.filter(participant=user)
        return Response(MaintenanceYearSerializer(qs.order_by("-start_date", "-id")[:500], many=True).data)
    body = RenewalRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    enrollment = get_enrollment_for_user(request.user, body.validated_data["enrollment"])
    following = services.maintenance_renew(
        actor=request.user, enrollment=enrollment, start_date=body.validated_data.get("start_date")
    )
    return Response(MaintenanceYearSerializer(following).data, status=status.HTTP_201_CREATED)


@extend_schema(request=FlagDecisionSerializer, responses=MaintenanceYearSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def flag_decide(request: Request, pk: int) -> Response:
    """Staff decide a flagged Maintenance year: renew anyway, or require Re-Certification."""
    enrollment = get_enrollment_for_user(request.user, pk)
    body = FlagDecisionSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    result = services.maintenance_decide_flagged(
        actor=request.user, enrollment=enrollment, **body.validated_data
    )
    return Response(MaintenanceYearSerializer(result).data)


@extend_schema(
    methods=["GET"],
    parameters=[RecertificationQuerySerializer],
    responses={200: RecertificationStatusSerializer, 404: error(404)},
    tags=TAGS,
)
@extend_schema(
    methods=["POST"],
    request=RecertificationStartSerializer,
    responses={201: MaintenanceYearSerializer, 404: error(404)},
    tags=TAGS,
)
@api_view(["GET", "POST"])
@permission_classes([DefaultApiPermission])
def recertifications(request: Request) -> Response:
    """GET: whether you must re-certify and your Re-Certification enrollments (staff: ?participant=id).
    POST: start Re-Certification (staff may start it for a participant)."""
    User = get_user_model()
    if request.method == "GET":
        who: Any = request.user
        query = RecertificationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if is_staff_member(request.user) and query.validated_data.get("participant"):
            who = get_object_or_404(User, pk=query.validated_data["participant"])
        data = {
            "participant": who.pk,
            "required_reason": selectors.recertification_required(who),
            "enrollments": Enrollment.objects.filter(
                participant=who, phase=Phase.RECERTIFICATION
            ).select_related("participant", "policy"),
        }
        return Response(RecertificationStatusSerializer(data).data)
    body = RecertificationStartSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    participant: Any = request.user
    if body.validated_data.get("participant") and is_staff_member(request.user):
        participant = get_object_or_404(User, pk=body.validated_data["participant"])
    enrollment = services.recertification_start(
        actor=request.user, participant=participant, start_date=body.validated_data.get("start_date")
    )
    return Response(MaintenanceYearSerializer(enrollment).data, status=status.HTTP_201_CREATED)


@extend_schema(request=RecertificationApproveSerializer, responses=MaintenanceYearSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def recertification_approve(request: Request, pk: int) -> Response:
    """Staff approve a completed Re-Certification; answers the new Maintenance year."""
    enrollment = get_enrollment_for_user(request.user, pk)
    body = RecertificationApproveSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    following = services.recertification_approve(
        actor=request.user, enrollment=enrollment, reason=body.validated_data.get("reason", "")
    )
    return Response(MaintenanceYearSerializer(following).data)


@extend_schema(
    parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default: today")],
    responses=RulePreviewSerializer,
    tags=TAGS,
)
@api_view(["GET"])
@permission_classes([IsStaffMember])
def rule_preview(request: Request) -> Response:
    """What the daily job would do as of a date (changes nothing). At most 1,000 decisions are listed."""
    raw = request.query_params.get("as_of")
    try:
        as_of = date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        from django.core.exceptions import ValidationError

        raise ValidationError({"as_of": "Use YYYY-MM-DD."}) from None
    decisions = rules.evaluate(as_of)
    by_rule: dict[str, int] = {}
    for d in decisions:
        by_rule[d.rule] = by_rule.get(d.rule, 0) + 1
    data = {
        "as_of": as_of,
        "total": len(decisions),
        "by_rule": by_rule,
        "decisions": [d.as_dict() for d in decisions[:1000]],
    }
    return Response(RulePreviewSerializer(data).data)


@extend_schema(responses=SentReminderSerializer(many=True), tags=TAGS)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def reminders(request: Request) -> Response:
    """Reminders sent (your own; staff: everyone's, newest first)."""
    qs = selectors.reminders_visible_to(request.user).order_by("-sent_at", "-id")[:500]
    return Response(SentReminderSerializer(qs, many=True).data)


@extend_schema(methods=["GET"], responses=PresentationSerializer(many=True), tags=TAGS)
@extend_schema(
    methods=["POST"],
    request={"multipart/form-data": PresentationSubmitSerializer},
    responses={201: PresentationSerializer},
    tags=TAGS,
)
@api_view(["GET", "POST"])
@permission_classes([DefaultApiPermission])
@parser_classes([MultiPartParser, FormParser, JSONParser])
def presentations(request: Request) -> Response:
    """GET: your presentations (staff: all; ?status=submitted for the review queue). POST (trainers):
    submit one for review, with its slides file."""
    if request.method == "GET":
        qs = selectors.presentations_visible_to(request.user)
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        return Response(PresentationSerializer(qs[:500], many=True).data)
    if not IsTrainer().has_permission(request, None):
        from accounts.errors import NotAllowed

        raise NotAllowed("Only NMT Trainers submit presentations.")
    body = PresentationSubmitSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    presentation = services.presentation_submit(actor=request.user, **body.validated_data)
    return Response(PresentationSerializer(presentation).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=PresentationSerializer, tags=TAGS)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def presentation_detail(request: Request, pk: int) -> Response:
    return Response(PresentationSerializer(selectors.get_presentation_for_user(request.user, pk)).data)


@extend_schema(request=PresentationReviewSerializer, responses=PresentationSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def presentation_review(request: Request, pk: int) -> Response:
    presentation = selectors.get_presentation_for_user(request.user, pk)
    body = PresentationReviewSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    result = services.presentation_review(
        actor=request.user,
        presentation=presentation,
        approve=body.validated_data["decision"] == "approve",
        comments=body.validated_data.get("comments", ""),
    )
    return Response(PresentationSerializer(result).data)


@extend_schema(request=PresentationDeliveredSerializer, responses=PresentationSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def presentation_delivered(request: Request, pk: int) -> Response:
    """The trainer logs an approved presentation as delivered."""
    presentation = selectors.get_presentation_for_user(request.user, pk)
    body = PresentationDeliveredSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    result = services.presentation_log_delivered(
        actor=request.user,
        presentation=presentation,
        delivered_on=body.validated_data["delivered_on"],
        attendees=body.validated_data.get("attendees"),
        notes=body.validated_data.get("notes", ""),
    )
    return Response(PresentationSerializer(result).data)


@extend_schema(request=None, responses=PresentationSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def presentation_withdraw(request: Request, pk: int) -> Response:
    presentation = selectors.get_presentation_for_user(request.user, pk)
    return Response(
        PresentationSerializer(
            services.presentation_withdraw(actor=request.user, presentation=presentation)
        ).data
    )


urlpatterns = [
    path("maintenance/renewals/", renewals, name="maintenance-renewals"),
    path("maintenance/years/<int:pk>/decide/", flag_decide, name="maintenance-flag-decide"),
    path("maintenance/recertifications/", recertifications, name="maintenance-recertifications"),
    path(
        "maintenance/recertifications/<int:pk>/approve/",
        recertification_approve,
        name="maintenance-recertification-approve",
    ),
    path("maintenance/rules/preview/", rule_preview, name="maintenance-rule-preview"),
    path("maintenance/reminders/", reminders, name="maintenance-reminders"),
    path("maintenance/presentations/", presentations, name="maintenance-presentations"),
    path("maintenance/presentations/<int:pk>/", presentation_detail, name="maintenance-presentation-detail"),
    path(
        "maintenance/presentations/<int:pk>/review/",
        presentation_review,
        name="maintenance-presentation-review",
    ),
    path(
        "maintenance/presentations/<int:pk>/delivered/",
        presentation_delivered,
        name="maintenance-presentation-delivered",
    ),
    path(
        "maintenance/presentations/<int:pk>/withdraw/",
        presentation_withdraw,
        name="maintenance-presentation-withdraw",
    ),
]
