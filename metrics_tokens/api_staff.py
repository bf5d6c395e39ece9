"""Staff and Fidelity Exercise endpoints (imported by metrics_tokens.api)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_permissions import IsParticipant, IsStaffMember

from . import selectors, services
from .api import TokenAdjustSerializer, TokenLedgerEntrySerializer, TokenRefundSerializer, access_data
from .api_schema import ERROR, TAG
from .models import FidelityExercise, TokenLedgerEntry

FIDELITY_TAG = "fidelity exercise"


class TokenLedgerSerializer(serializers.Serializer):
    clinician_email = serializers.EmailField()
    has_access = serializers.BooleanField()
    unlimited = serializers.BooleanField()
    balance = serializers.IntegerField()
    can_record = serializers.BooleanField()
    ledger = TokenLedgerEntrySerializer(many=True)


class ParticipantLedger(APIView):
    permission_classes = [IsStaffMember]
    parser_classes = [JSONParser, FormParser]

    def _answer(self, participant: Any) -> dict[str, Any]:
        lines = selectors.ledger_history(participant, limit=500)
        return access_data(participant) | {"ledger": TokenLedgerEntrySerializer(lines, many=True).data}

    @extend_schema(tags=[TAG], summary="A clinician's token ledger (staff)", responses=TokenLedgerSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(self._answer(selectors.get_participant_for_staff(request.user, pk)))

    @extend_schema(
        tags=[TAG],
        summary="Grant or adjust a clinician's tokens, with a reason (staff)",
        request=TokenAdjustSerializer,
        responses={201: TokenLedgerSerializer, 400: ERROR},
        examples=[
            OpenApiExample(
                "A grant",
                request_only=True,
                value={
                    "kind": "grant",
                    "amount": 3,
                    "reason": "Extra client reports agreed with the director",
                },
            ),
            OpenApiExample(
                "A correction",
                request_only=True,
                value={"kind": "adjustment", "amount": -1, "reason": "Duplicate grant on 2026-03-01"},
            ),
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        participant = selectors.get_participant_for_staff(request.user, pk)
        body = TokenAdjustSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.tokens_adjust(actor=request.user, participant=participant, **body.validated_data)
        return Response(self._answer(participant), status=status.HTTP_201_CREATED)


class EntryRefund(APIView):
    permission_classes = [IsStaffMember]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        tags=[TAG],
        summary="Give back the token of a consumption (staff)",
        request=TokenRefundSerializer,
        responses={201: TokenLedgerEntrySerializer, 400: ERROR, 409: ERROR},
    )
    def post(self, request: Request, pk: int) -> Response:
        entry = selectors.ledger_entries_visible_to(request.user).filter(pk=pk).first()
        if entry is None:
            from django.http import Http404

            raise Http404
        body = TokenRefundSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refund = services.tokens_refund(actor=request.user, entry=entry, reason=body.validated_data["reason"])
        balance = sum(
            TokenLedgerEntry.objects.filter(account_id=refund.account_id, id__lte=refund.id).values_list(
                "amount", flat=True
            )
        )
        line = selectors.LedgerLine(refund, balance)
        return Response(TokenLedgerEntrySerializer(line).data, status=status.HTTP_201_CREATED)


# --- Fidelity Exercise -----------------------------------------------------------------------------


class FidelityExerciseSerializer(serializers.ModelSerializer):
    assigned = serializers.IntegerField(read_only=True)
    submitted = serializers.IntegerField(read_only=True)
    late = serializers.IntegerField(read_only=True)
    self_scored = serializers.IntegerField(read_only=True)
    published = serializers.BooleanField(source="is_published", read_only=True)

    class Meta:
        model = FidelityExercise
        fields = [
            "id",
            "year",
            "title",
            "qa_session_at",
            "qa_session_link",
            "deadline",
            "published",
            "results_published_at",
            "self_scoring_instructions",
            "feedback_recording_link",
            "assigned",
            "submitted",
            "late",
            "self_scored",
        ]


class FidelityExerciseCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200)
    case_abstract = serializers.FileField()
    qa_session_at = serializers.DateTimeField()
    qa_session_link = serializers.URLField(max_length=500)
    deadline = serializers.DateField()


class FidelityPublishSerializer(serializers.Serializer):
    scored_report = serializers.FileField()
    self_scoring_instructions = serializers.CharField()
    feedback_recording_link = serializers.URLField(max_length=500)


class FidelityAssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField(source="exercise.year")
    clinician_email = serializers.EmailField(source="participant.email")
    enrollment = serializers.IntegerField(source="enrollment_id")
    deadline = serializers.DateField(source="exercise.deadline")
    status = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    late = serializers.BooleanField()
    self_scored_at = serializers.DateTimeField(allow_null=True)
    report = serializers.IntegerField(source="report_id", allow_null=True)
    results_published = serializers.BooleanField(source="exercise.is_published")

    def get_status(self, obj: Any) -> str:
        return selectors.assignment_status(obj)


class FidelityExerciseDetailSerializer(FidelityExerciseSerializer):
    assignments = FidelityAssignmentSerializer(many=True, read_only=True)

    class Meta(FidelityExerciseSerializer.Meta):
        fields = [*FidelityExerciseSerializer.Meta.fields, "assignments"]


class Exercises(APIView):
    permission_classes = [IsStaffMember]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=[FIDELITY_TAG],
        summary="The Fidelity Exercises (staff)",
        responses=FidelityExerciseSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return Response(FidelityExerciseSerializer(selectors.exercises(), many=True).data)

    @extend_schema(
        tags=[FIDELITY_TAG],
        summary="Create the year's exercise; every enrolled clinician is assigned it (staff)",
        request={"multipart/form-data": FidelityExerciseCreateSerializer},
        responses={201: FidelityExerciseSerializer, 400: ERROR},
    )
    def post(self, request: Request) -> Response:
        body = FidelityExerciseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        exercise = services.fidelity_exercise_create(actor=request.user, **body.validated_data)
        return Response(FidelityExerciseSerializer(selectors.get_exercise(exercise.pk)).data, status=201)


class ExerciseDetail(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        tags=[FIDELITY_TAG],
        summary="One exercise with every assignment: who has not submitted, who was late (staff)",
        responses=FidelityExerciseDetailSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        exercise = selectors.get_exercise(pk)
        exercise.assignments_list = list(selectors.assignments_of_exercise(exercise))  # type: ignore[attr-defined]
        data = FidelityExerciseSerializer(exercise).data
        data["assignments"] = FidelityAssignmentSerializer(exercise.assignments_list, many=True).data  # type: ignore[attr-defined]
        return Response(data)


class ExercisePublish(APIView):
    permission_classes = [IsStaffMember]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=[FIDELITY_TAG],
        summary="After the deadline: publish the scored report, instructions and feedback recording (staff)",
        request={"multipart/form-data": FidelityPublishSerializer},
        responses={200: FidelityExerciseSerializer, 400: ERROR, 409: ERROR},
    )
    def post(self, request: Request, pk: int) -> Response:
        exercise = selectors.get_exercise(pk)
        body = FidelityPublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.fidelity_publish_results(actor=request.user, exercise=exercise, **body.validated_data)
        return Response(FidelityExerciseSerializer(selectors.get_exercise(pk)).data)


class MyAssignments(APIView):
    permission_classes = [IsParticipant]

    @extend_schema(
        tags=[FIDELITY_TAG],
        summary="My Fidelity Exercises",
        responses=FidelityAssignmentSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = selectors.assignments_of(request.user).select_related("participant")
        return Response(FidelityAssignmentSerializer(qs, many=True).data)


class MySelfScored(APIView):
    permission_classes = [IsParticipant]

    @extend_schema(
        tags=[FIDELITY_TAG],
        summary="Mark my self-scoring done (after the results are published)",
        request=None,
        responses={200: FidelityAssignmentSerializer, 409: ERROR},
    )
    def post(self, request: Request, pk: int) -> Response:
        assignment = selectors.get_assignment_for_user(request.user, pk)
        if assignment.participant_id != request.user.pk:
            from django.http import Http404

            raise Http404
        assignment = services.fidelity_mark_self_scored(actor=request.user, assignment=assignment)
        assignment = selectors.get_assignment_for_user(request.user, pk)
        return Response(FidelityAssignmentSerializer(assignment).data)


STAFF_URLS = [
    path("metrics/ledger/<int:pk>/", ParticipantLedger.as_view(), name="metrics-ledger"),
    path("metrics/ledger/entries/<int:pk>/refund/", EntryRefund.as_view(), name="metrics-ledger-refund"),
]
FIDELITY_URLS = [
    path("metrics/fidelity/exercises/", Exercises.as_view(), name="metrics-fidelity-exercises"),
    path("metrics/fidelity/exercises/<int:pk>/", ExerciseDetail.as_view(), name="metrics-fidelity-exercise"),
    path(
        "metrics/fidelity/exercises/<int:pk>/publish/",
        ExercisePublish.as_view(),
        name="metrics-fidelity-publish",
    ),
    path("me/metrics/fidelity/", MyAssignments.as_view(), name="metrics-my-fidelity"),
    path(
        "me/metrics/fidelity/<int:pk>/self-scored/",
        MySelfScored.as_view(),
        name="metrics-my-fidelity-self-scored",
    ),
]
