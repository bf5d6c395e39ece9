"""API routes of the Requirement checklists app, mounted under /api/v1/ (names in the "api" namespace).

Everything the pages offer: checklists with their requirements and entries, recording and undoing
entries, progress, signing, the integrity check, staff review, the policy agreement, calls and attendance.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_permissions import DefaultApiPermission, IsStaffMember
from accounts.errors import NotAllowed
from accounts.request_context import client_ip
from accounts.roles import has_role
from accounts.schema import error
from enrollment.selectors import get_enrollment_for_user

from . import call_services, selectors, services
from .integrity import verify_integrity
from .models import CallSeries, Checklist, Mode
from .progress import ChecklistProgress
from .schedule import occurrence_for, occurrences_between

TAGS = ["requirements"]


class ChecklistItemProgressSerializer(serializers.Serializer):
    requirement_id = serializers.IntegerField(allow_null=True)
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    done = serializers.IntegerField()
    target = serializers.IntegerField()
    met = serializers.BooleanField()
    automatic = serializers.BooleanField()
    detail = serializers.ListField(child=serializers.CharField())


class ChecklistProgressSerializer(serializers.Serializer):
    enrollment_id = serializers.IntegerField()
    checklist_id = serializers.IntegerField(allow_null=True)
    checklist_status = serializers.CharField()
    percent = serializers.IntegerField()
    behind = serializers.BooleanField()
    complete = serializers.BooleanField()
    elapsed_percent = serializers.IntegerField()
    items = ChecklistItemProgressSerializer(many=True)


class ChecklistEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    requirement_id = serializers.IntegerField()
    number = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    completed_on = serializers.DateField()
    mode = serializers.CharField()
    note = serializers.CharField()
    evidence_name = serializers.CharField()
    evidence_size = serializers.IntegerField()
    recorded_at = serializers.DateTimeField()


class ChecklistRequirementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    target = serializers.IntegerField()
    item_labels = serializers.ListField(child=serializers.CharField())
    manual = serializers.BooleanField(source="is_manual")


class ChecklistSerializer(serializers.ModelSerializer):
    participant_email = serializers.EmailField(source="enrollment.participant.email", read_only=True)
    # A plain string (not an enum) so the schema does not collide with other apps' "status" enums.
    status = serializers.CharField(read_only=True, help_text="open, signed, verified or returned")
    phase = serializers.CharField(source="enrollment.phase", read_only=True)
    attestation_version = serializers.IntegerField(
        source="attestation.version", allow_null=True, read_only=True
    )

    class Meta:
        model = Checklist
        fields = [
            "id", "enrollment", "version", "status", "participant_email", "phase", "created_at",
            "signed_at", "signed_name", "attestation_version", "content_hash", "reviewed_at", "review_comment",
        ]  # fmt: skip


class ChecklistDetailSerializer(ChecklistSerializer):
    requirements = serializers.SerializerMethodField()
    entries = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta(ChecklistSerializer.Meta):
        fields = [*ChecklistSerializer.Meta.fields, "requirements", "entries", "progress"]

    def get_requirements(self, obj: Checklist) -> list[dict[str, Any]]:
        return ChecklistRequirementSerializer(obj.requirements.all(), many=True).data  # type: ignore[return-value]

    def get_entries(self, obj: Checklist) -> list[dict[str, Any]]:
        rows = [e for lst in selectors.entries_by_requirement(obj).values() for e in lst]
        return ChecklistEntrySerializer(rows, many=True).data  # type: ignore[return-value]

    def get_progress(self, obj: Checklist) -> dict[str, Any]:
        return _progress_data(selectors.checklist_progress(obj, self.context["as_of"]))


def _progress_data(progress: ChecklistProgress) -> dict[str, Any]:
    data = dict(progress.__dict__)
    data["items"] = [dict(i.__dict__, met=i.met) for i in progress.items]
    return ChecklistProgressSerializer(data).data  # type: ignore[return-value]


class ChecklistEntryCreateSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1)
    completed_on = serializers.DateField()
    mode = serializers.ChoiceField(choices=Mode.choices, default=Mode.RECORDING)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    evidence = serializers.FileField(required=False)


class ChecklistSignSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200)
    password = serializers.CharField(write_only=True)
    mfa_code = serializers.CharField(required=False, allow_blank=True, default="")
    attestation_version = serializers.IntegerField()


class ChecklistReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["verify", "return"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ChecklistIntegritySerializer(serializers.Serializer):
    signed = serializers.BooleanField()
    intact = serializers.BooleanField()
    stored_hash = serializers.CharField()
    computed_hash = serializers.CharField()
    evidence_problems = serializers.ListField(child=serializers.CharField())


class PolicyAgreementSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    published_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)


class PolicyAgreementSignSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    full_name = serializers.CharField(max_length=200)


class ProgramCallSerializer(serializers.Serializer):
    series = serializers.CharField(source="series.code")
    name = serializers.CharField(source="series.name")
    original_date = serializers.DateField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    cancelled = serializers.BooleanField()
    moved = serializers.BooleanField()
    recording_url = serializers.CharField()
    uid = serializers.CharField()


class CallAttendSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=Mode.choices)


class ProgramCallManageSerializer(serializers.Serializer):
    cancelled = serializers.BooleanField(default=False)
    moved_to = serializers.DateTimeField(required=False, allow_null=True, default=None)
    recording_url = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


def _as_of(request: Request) -> date:
    return services.progress_day(request.user)


def _checklist(request: Request, pk: int) -> Checklist:
    return selectors.get_checklist_for_user(request.user, pk)


@extend_schema(responses=ChecklistSerializer(many=True), tags=TAGS)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def checklist_list(request: Request) -> Response:
    qs = selectors.checklists_visible_to(request.user).order_by("-created_at")
    if request.query_params.get("status"):
        qs = qs.filter(status=request.query_params["status"])
    return Response(ChecklistSerializer(qs[:200], many=True).data)


@extend_schema(responses=ChecklistDetailSerializer, tags=TAGS)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def checklist_detail(request: Request, pk: int) -> Response:
    checklist = _checklist(request, pk)
    return Response(ChecklistDetailSerializer(checklist, context={"as_of": _as_of(request)}).data)


@extend_schema(responses=ChecklistProgressSerializer, tags=TAGS)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def checklist_progress(request: Request, pk: int) -> Response:
    return Response(_progress_data(selectors.checklist_progress(_checklist(request, pk), _as_of(request))))


@extend_schema(
    methods=["GET"],
    responses=ChecklistDetailSerializer,
    tags=TAGS,
    description="The enrollment's current checklist, with progress. An enrollment that has none yet (it "
    "started before checklists were kept, or is a finished phase from the earlier records) answers 404 "
    "until a POST here opens it.",
)
@extend_schema(
    methods=["POST"],
    request=None,
    responses={200: ChecklistDetailSerializer, 201: ChecklistDetailSerializer},
    tags=TAGS,
    description="Opens the enrollment's checklist from the requirements of its policy and phase (201); "
    "one that exists already answers 200.",
)
@api_view(["GET", "POST"])
@permission_classes([DefaultApiPermission])
def enrollment_checklist(request: Request, pk: int) -> Response:
    enrollment = get_enrollment_for_user(request.user, pk)
    checklist = selectors.current_checklist(enrollment)
    code: int = status.HTTP_200_OK
    if checklist is None and request.method == "POST":
        checklist, code = selectors.checklist_for(enrollment), status.HTTP_201_CREATED
    elif checklist is None:  # looking changes nothing
        raise NotFound("This enrollment has no checklist yet: a POST to this address opens it.")
    return Response(
        ChecklistDetailSerializer(checklist, context={"as_of": _as_of(request)}).data, status=code
    )


@extend_schema(request=ChecklistEntryCreateSerializer, responses={201: ChecklistEntrySerializer}, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
@parser_classes([JSONParser, MultiPartParser, FormParser])
def entry_create(request: Request, pk: int, rpk: int) -> Response:
    requirement = selectors.get_requirement_for_user(request.user, pk, rpk)
    body = ChecklistEntryCreateSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    entry = services.entry_record(actor=request.user, requirement=requirement, **body.validated_data)
    return Response(ChecklistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses={204: None}, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def entry_undo(request: Request, pk: int) -> Response:
    entry = selectors.get_entry_for_user(request.user, pk)
    services.entry_undo(actor=request.user, entry=entry)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=ChecklistSignSerializer, responses=ChecklistSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def checklist_sign(request: Request, pk: int) -> Response:
    checklist = _checklist(request, pk)
    body = ChecklistSignSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    signed = services.checklist_sign(
        actor=request.user,
        checklist=checklist,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        **body.validated_data,
    )
    return Response(ChecklistSerializer(signed).data)


@extend_schema(responses=ChecklistIntegritySerializer, tags=TAGS)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def checklist_integrity(request: Request, pk: int) -> Response:
    report = verify_integrity(_checklist(request, pk))
    return Response(
        ChecklistIntegritySerializer(
            report.__dict__ | {"evidence_problems": list(report.evidence_problems)}
        ).data
    )


@extend_schema(request=ChecklistReviewSerializer, responses=ChecklistSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def checklist_review(request: Request, pk: int) -> Response:
    checklist = _checklist(request, pk)
    body = ChecklistReviewSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    reviewed = services.checklist_review(actor=request.user, checklist=checklist, **body.validated_data)
    return Response(ChecklistSerializer(reviewed).data)


@extend_schema(responses={200: PolicyAgreementSerializer, 404: error(404)}, tags=TAGS)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def agreement(request: Request) -> Response:
    current, signature = selectors.agreement_state(request.user)
    if current is None:
        raise Http404("No policy agreement is published.")
    data = {
        "version": current.version,
        "title": current.title,
        "text": current.text,
        "published_at": current.published_at,
        "signed_at": signature.signed_at if signature else None,
    }
    return Response(PolicyAgreementSerializer(data).data)


@extend_schema(
    request=PolicyAgreementSignSerializer,
    responses={201: PolicyAgreementSerializer, 404: error(404)},
    tags=TAGS,
)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def agreement_sign(request: Request) -> Response:
    if not has_role(request.user, "participant", "trainer"):
        raise NotAllowed("Participants sign the policy agreement.")
    body = PolicyAgreementSignSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    current, _ = selectors.agreement_state(request.user)
    if current is None:
        raise Http404("No policy agreement is published.")
    if body.validated_data["version"] != current.version:
        return Response(
            {
                "error": {
                    "code": "not_current",
                    "message": "Only the current version can be signed.",
                    "fields": {},
                }
            },
            status=status.HTTP_409_CONFLICT,
        )
    signature = services.agreement_sign(
        actor=request.user,
        agreement=current,
        full_name=body.validated_data["full_name"],
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    data = {
        "version": current.version,
        "title": current.title,
        "text": current.text,
        "published_at": current.published_at,
        "signed_at": signature.signed_at,
    }
    return Response(PolicyAgreementSerializer(data).data, status=status.HTTP_201_CREATED)


# The calendar arithmetic near date.min/date.max overflows; no call is held outside these years.
CALENDAR_YEARS = range(1900, 2101)


def _parse_day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Http404("No such date.") from None
    if day.year not in CALENDAR_YEARS:
        raise Http404("No such date.")
    return day


@extend_schema(
    parameters=[
        OpenApiParameter("start", str, description="ISO date; default 30 days ago"),
        OpenApiParameter("end", str, description="ISO date; default 120 days ahead (at most 400 days)"),
    ],
    responses=ProgramCallSerializer(many=True),
    tags=TAGS,
)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def call_list(request: Request) -> Response:
    today = timezone.now().date()
    try:
        start = (
            date.fromisoformat(request.query_params.get("start", ""))
            if "start" in request.query_params
            else today - timedelta(days=30)
        )
        end = (
            date.fromisoformat(request.query_params.get("end", ""))
            if "end" in request.query_params
            else today + timedelta(days=120)
        )
        if start.year not in CALENDAR_YEARS or end.year not in CALENDAR_YEARS:
            raise ValueError("out of range")
    except ValueError:
        return Response(
            {
                "error": {
                    "code": "invalid",
                    "message": "Dates are YYYY-MM-DD, from 1900 to 2100.",
                    "fields": {},
                }
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    end = min(end, start + timedelta(days=400))
    tz = timezone.get_current_timezone()
    occ = occurrences_between(
        datetime.combine(start, datetime.min.time(), tzinfo=tz),
        datetime.combine(end, datetime.max.time(), tzinfo=tz),
    )
    return Response(ProgramCallSerializer(occ, many=True).data)


@extend_schema(request=CallAttendSerializer, responses={201: None}, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def call_attend(request: Request, series: str, day: str) -> Response:
    body = CallAttendSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    call_series = get_object_or_404(CallSeries, code=series, is_active=True)
    call_services.call_attendance_record(
        actor=request.user,
        series=call_series,
        original_date=_parse_day(day),
        mode=body.validated_data["mode"],
    )
    return Response(status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses={204: None}, tags=TAGS)
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def call_attendance_undo(request: Request, series: str, day: str) -> Response:
    call_series = get_object_or_404(CallSeries, code=series, is_active=True)
    call_services.call_attendance_undo(actor=request.user, series=call_series, original_date=_parse_day(day))
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=ProgramCallManageSerializer, responses=ProgramCallSerializer, tags=TAGS)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def call_manage(request: Request, series: str, day: str) -> Response:
    call_series = get_object_or_404(CallSeries, code=series, is_active=True)
    body = ProgramCallManageSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    original = _parse_day(day)
    call_services.call_occurrence_update(
        actor=request.user, series=call_series, original_date=original, **body.validated_data
    )

    return Response(ProgramCallSerializer(occurrence_for(call_series, original)).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path("checklists/", checklist_list, name="requirements-checklist-list"),
    path("checklists/<int:pk>/", checklist_detail, name="requirements-checklist-detail"),
    path("checklists/<int:pk>/progress/", checklist_progress, name="requirements-checklist-progress"),
    path(
        "checklists/<int:pk>/requirements/<int:rpk>/entries/", entry_create, name="requirements-entry-create"
    ),
    path("checklists/<int:pk>/sign/", checklist_sign, name="requirements-checklist-sign"),
    path("checklists/<int:pk>/integrity/", checklist_integrity, name="requirements-checklist-integrity"),
    path("checklists/<int:pk>/review/", checklist_review, name="requirements-checklist-review"),
    path("checklist-entries/<int:pk>/undo/", entry_undo, name="requirements-entry-undo"),
    path("enrollments/<int:pk>/checklist/", enrollment_checklist, name="requirements-enrollment-checklist"),
    path("policy-agreement/", agreement, name="requirements-agreement"),
    path("policy-agreement/sign/", agreement_sign, name="requirements-agreement-sign"),
    path("calls/", call_list, name="requirements-call-list"),
    path("calls/<slug:series>/<str:day>/attendance/", call_attend, name="requirements-call-attend"),
    path(
        "calls/<slug:series>/<str:day>/attendance/undo/",
        call_attendance_undo,
        name="requirements-call-attendance-undo",
    ),
    path("calls/<slug:series>/<str:day>/", call_manage, name="requirements-call-manage"),
]
