"""API of the metric reports and tokens, mounted under /api/v1/ (names in the "api" namespace).

- For the NMT metrics tool (integration token of scope "metrics", or staff): look up a clinician's
  access and balance, record a report (spends a token where one is needed), list a clinician's reports.
- For participants: their balance and ledger, their reports (and recording one), their Fidelity Exercise.
- For staff: a clinician's ledger with grants, adjustments and refunds; the Fidelity Exercise cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_errors import error_body
from accounts.api_permissions import IsParticipant, IsStaffMember

from . import selectors, services
from .api_schema import ERROR, TAG
from .models import LedgerKind, MetricReport, ReportSource, ReportType

# --- Serializers ---------------------------------------------------------------------------------


class MetricsEnrollmentBrief(serializers.Serializer):
    id = serializers.IntegerField()
    phase = serializers.CharField()
    status = serializers.CharField()
    start_date = serializers.DateField()
    end = serializers.DateField(source="current_end", help_text="First day after the enrollment's time.")


class TokenAccessSerializer(serializers.Serializer):
    clinician_email = serializers.EmailField()
    has_access = serializers.BooleanField(
        help_text="Enrolled in a training phase, Maintenance or Re-Certification."
    )
    unlimited = serializers.BooleanField(help_text="Phase I and II: reports spend no tokens.")
    balance = serializers.IntegerField(help_text="Tokens left (sum of the ledger).")
    can_record = serializers.BooleanField()
    enrollment = MetricsEnrollmentBrief(allow_null=True)


def access_data(user: Any) -> dict[str, Any]:
    access = selectors.access_for(user)
    return {
        "clinician_email": user.email,
        "has_access": access.has_access,
        "unlimited": access.unlimited,
        "balance": access.balance,
        "can_record": access.can_record,
        "enrollment": MetricsEnrollmentBrief(access.enrollment).data if access.enrollment else None,
    }


class MetricReportSerializer(serializers.ModelSerializer):
    clinician_email = serializers.EmailField(source="participant.email", read_only=True)
    phase = serializers.CharField(source="enrollment.phase", read_only=True)
    token_spent = serializers.BooleanField(source="token_required", read_only=True)

    class Meta:
        model = MetricReport
        fields = [
            "id",
            "clinician_email",
            "report_type",
            "report_date",
            "client_code",
            "source",
            "external_id",
            "enrollment",
            "phase",
            "token_spent",
            "created_at",
        ]


class MetricReportCreateSerializer(serializers.Serializer):
    report_type = serializers.ChoiceField(choices=ReportType.choices)
    report_date = serializers.DateField()
    client_code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=services.CLIENT_CODE_HELP
    )
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ToolMetricReportCreateSerializer(MetricReportCreateSerializer):
    clinician_email = serializers.EmailField()


class RecordedMetricReportSerializer(MetricReportSerializer):
    balance = serializers.IntegerField(read_only=True)

    class Meta(MetricReportSerializer.Meta):
        fields = [*MetricReportSerializer.Meta.fields, "balance"]


class TokenLedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="entry.id")
    kind = serializers.CharField(source="entry.kind")
    amount = serializers.IntegerField(source="entry.amount")
    balance_after = serializers.IntegerField()
    reason = serializers.CharField(source="entry.reason")
    actor = serializers.CharField(source="entry.actor_label")
    at = serializers.DateTimeField(source="entry.at")
    enrollment = serializers.IntegerField(source="entry.enrollment_id", allow_null=True)
    report = serializers.IntegerField(source="entry.report_id", allow_null=True)


class TokenBalanceSerializer(TokenAccessSerializer):
    ledger = TokenLedgerEntrySerializer(many=True)


class TokenAdjustSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[LedgerKind.GRANT, LedgerKind.ADJUSTMENT])
    amount = serializers.IntegerField()
    reason = serializers.CharField(max_length=500, allow_blank=True)


class TokenRefundSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


# --- Shared pieces -------------------------------------------------------------------------------

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A unique key per report (e.g. a UUID). A retry with the same key and body answers the "
    "first result without spending again (header `Idempotent-Replayed: true`); the same key with a "
    "different body answers 422 `idempotency_key_reused`.",
)
EMAIL_PARAM = OpenApiParameter("email", OpenApiTypes.EMAIL, OpenApiParameter.QUERY, required=True)

RECORD_EXAMPLES = [
    OpenApiExample(
        "A client's initial report",
        request_only=True,
        value={
            "clinician_email": "participant@example.org",
            "report_type": "client_initial",
            "report_date": "2026-03-02",
            "client_code": "C-0142",
            "external_id": "mt-88127",
        },
    ),
    OpenApiExample(
        "Recorded (Maintenance: one token spent)",
        response_only=True,
        status_codes=["201"],
        value={
            "id": 412,
            "clinician_email": "participant@example.org",
            "report_type": "client_initial",
            "report_date": "2026-03-02",
            "client_code": "C-0142",
            "source": "api",
            "external_id": "mt-88127",
            "enrollment": 57,
            "phase": "maintenance",
            "token_spent": True,
            "created_at": "2026-03-02T15:04:05Z",
            "balance": 6,
        },
    ),
    OpenApiExample(
        "No tokens left",
        response_only=True,
        status_codes=["409"],
        value=error_body(
            "no_balance", "pat@example.org has no metric tokens left for this year (balance 0)."
        ),
    ),
    OpenApiExample(
        "Not enrolled",
        response_only=True,
        status_codes=["409"],
        value=error_body(
            "no_access", "The clinician is not enrolled, so the metric tools are not available."
        ),
    ),
    OpenApiExample(
        "Key reused with another body",
        response_only=True,
        status_codes=["422"],
        value=error_body(
            "idempotency_key_reused", "This Idempotency-Key was used before with a different request."
        ),
    ),
    OpenApiExample(
        "A client code that looks like a name",
        response_only=True,
        status_codes=["400"],
        value=error_body(
            "invalid",
            "Some fields are not valid.",
            {"client_code": ["No spaces: a code with spaces looks like a name."]},
        ),
    ),
]


def _body_for_fingerprint(request: Request) -> Any:
    data = request.data
    return data.dict() if hasattr(data, "dict") else data


def _record(
    request: Request, *, participant_of: Callable[[dict[str, Any]], Any], source: str, key_required: bool
) -> Response:
    body_class = (
        ToolMetricReportCreateSerializer if source == ReportSource.API else MetricReportCreateSerializer
    )
    body = body_class(data=request.data)
    body.is_valid(raise_exception=True)
    data = dict(body.validated_data)
    key = request.headers.get("Idempotency-Key", "").strip()
    if key_required and not key:
        return Response(
            error_body(
                "idempotency_key_required",
                "Send an Idempotency-Key header (e.g. a UUID) so a retried request cannot spend twice.",
            ),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if len(key) > 200:
        return Response(
            error_body("invalid", "The Idempotency-Key is longer than 200 characters."), status=400
        )

    def action() -> tuple[int, Any]:
        participant = participant_of(data)
        report = services.report_record(
            actor=request.user,
            participant=participant,
            report_type=data["report_type"],
            report_date=data["report_date"],
            client_code=data.get("client_code", ""),
            external_id=data.get("external_id", ""),
            source=source,
        )
        after = getattr(report, "balance_after", None)
        report.balance = after if after is not None else selectors.balance_for(participant)  # type: ignore[attr-defined]
        return 201, dict(RecordedMetricReportSerializer(report).data)

    if not key:
        code, payload = action()
        return Response(payload, status=code)
    fingerprint = services.request_fingerprint("POST", request.path, _body_for_fingerprint(request))
    code, payload, replayed = services.idempotent(
        owner=request.user, key=key, fingerprint=fingerprint, action=action
    )
    response = Response(payload, status=code)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _paginate(view: GenericAPIView, request: Request, qs: Any, serializer: Any) -> Response:
    page = view.paginate_queryset(qs)
    return view.get_paginated_response(serializer(page, many=True).data)


# --- For the metrics tool ------------------------------------------------------------------------


class ToolPermission(IsStaffMember):
    """Staff, or the metrics tool's integration token (scope "metrics")."""


class ClinicianAccess(APIView):
    permission_classes = [ToolPermission]
    token_scopes = ("metrics",)

    @extend_schema(
        tags=[TAG],
        summary="A clinician's access to the metric tools and token balance",
        parameters=[EMAIL_PARAM],
        responses={200: TokenAccessSerializer, 404: ERROR},
        examples=[
            OpenApiExample(
                "In Maintenance",
                response_only=True,
                value={
                    "clinician_email": "participant@example.org",
                    "has_access": True,
                    "unlimited": False,
                    "balance": 7,
                    "can_record": True,
                    "enrollment": {
                        "id": 57,
                        "phase": "maintenance",
                        "status": "active",
                        "start_date": "2026-01-15",
                        "end": "2027-01-15",
                    },
                },
            ),
            OpenApiExample(
                "In Phase I (unlimited)",
                response_only=True,
                value={
                    "clinician_email": "participant2@example.org",
                    "has_access": True,
                    "unlimited": True,
                    "balance": 0,
                    "can_record": True,
                    "enrollment": {
                        "id": 12,
                        "phase": "phase1",
                        "status": "active",
                        "start_date": "2026-02-01",
                        "end": "2027-02-01",
                    },
                },
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        user = selectors.clinician_by_email(request.query_params.get("email", ""))
        return Response(access_data(user))


class ClinicianReports(GenericAPIView):
    serializer_class = MetricReportSerializer
    queryset = MetricReport.objects.none()
    permission_classes = [ToolPermission]
    token_scopes = ("metrics",)
    parser_classes = [JSONParser]

    @extend_schema(
        tags=[TAG],
        summary="A clinician's recorded reports",
        parameters=[EMAIL_PARAM],
        responses={200: MetricReportSerializer(many=True), 404: ERROR},
    )
    def get(self, request: Request) -> Response:
        user = selectors.clinician_by_email(request.query_params.get("email", ""))
        return _paginate(
            self, request, selectors.reports_of(user).select_related("participant"), MetricReportSerializer
        )

    @extend_schema(
        tags=[TAG],
        summary="Record a report a clinician completed (spends a token in Maintenance/Re-Certification)",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description=IDEMPOTENCY_HEADER.description,
            )
        ],
        request=ToolMetricReportCreateSerializer,
        responses={201: RecordedMetricReportSerializer, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR},
        examples=RECORD_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        return _record(
            request,
            participant_of=lambda d: selectors.clinician_by_email(d["clinician_email"]),
            source=ReportSource.API,
            key_required=True,
        )


# --- For participants ----------------------------------------------------------------------------


class MyBalance(APIView):
    permission_classes = [IsParticipant]

    @extend_schema(
        tags=[TAG], summary="My access, balance and token ledger", responses=TokenBalanceSerializer
    )
    def get(self, request: Request) -> Response:
        lines = selectors.ledger_history(request.user, limit=200)
        return Response(
            access_data(request.user) | {"ledger": TokenLedgerEntrySerializer(lines, many=True).data}
        )


class MyReports(GenericAPIView):
    serializer_class = MetricReportSerializer
    queryset = MetricReport.objects.none()
    permission_classes = [IsParticipant]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(tags=[TAG], summary="My reports", responses=MetricReportSerializer(many=True))
    def get(self, request: Request) -> Response:
        return _paginate(
            self,
            request,
            selectors.reports_of(request.user).select_related("participant"),
            MetricReportSerializer,
        )

    @extend_schema(
        tags=[TAG],
        summary="Record a report I completed",
        parameters=[IDEMPOTENCY_HEADER],
        request=MetricReportCreateSerializer,
        responses={201: RecordedMetricReportSerializer, 400: ERROR, 409: ERROR, 422: ERROR},
        examples=[e for e in RECORD_EXAMPLES if not e.request_only]
        + [
            OpenApiExample(
                "A Typical report",
                request_only=True,
                value={"report_type": "typical", "report_date": "2026-03-02"},
            )
        ],
    )
    def post(self, request: Request) -> Response:
        return _record(
            request,
            participant_of=lambda d: request.user,
            source=ReportSource.PARTICIPANT,
            key_required=False,
        )


from .api_staff import FIDELITY_URLS, STAFF_URLS  # noqa: E402  (the staff and fidelity half)

urlpatterns = [
    path("metrics/access/", ClinicianAccess.as_view(), name="metrics-access"),
    path("metrics/reports/", ClinicianReports.as_view(), name="metrics-reports"),
    path("me/metrics/balance/", MyBalance.as_view(), name="metrics-my-balance"),
    path("me/metrics/reports/", MyReports.as_view(), name="metrics-my-reports"),
    *STAFF_URLS,
    *FIDELITY_URLS,
]
