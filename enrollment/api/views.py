"""The enrollment API. Reads go through the same permission-checking selectors as the pages (another
participant's object answers 404); staff actions need IsStaffMember; services do the rest."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_permissions import IsParticipant, IsStaffMember

from .. import selectors, services
from ..models import (
    Application,
    Enrollment,
    ExtensionRequest,
    Invoice,
    Organization,
    ProgramPolicy,
    TransitionRequest,
)
from ..summary import certification_summary
from . import serializers as s

TAG = ["enrollment"]


def _ctx(request: Request) -> dict[str, Any]:
    return {"viewer": request.user, "request": request}


# --- Reads ----------------------------------------------------------------------------------------------


@extend_schema(tags=TAG)
class PolicyList(generics.ListAPIView):
    serializer_class = s.PolicySerializer
    queryset = ProgramPolicy.objects.prefetch_related("phase_rules").order_by("-effective_from")


@extend_schema(tags=TAG)
class PolicyDetail(generics.RetrieveAPIView):
    serializer_class = s.PolicySerializer
    queryset = ProgramPolicy.objects.prefetch_related("phase_rules")


@extend_schema(
    tags=TAG,
    parameters=[
        OpenApiParameter(
            "site_candidates", bool, description="Only candidates for Site Training Certification."
        )
    ],
)
class OrganizationList(generics.ListAPIView):
    serializer_class = s.OrganizationSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database needed
            return Organization.objects.none()
        if self.request.query_params.get("site_candidates") in ("1", "true"):
            return selectors.organizations_near_site_threshold()
        return selectors.organizations_with_counts()


@extend_schema(tags=TAG)
class ParticipantList(generics.ListAPIView):
    serializer_class = s.ParticipantSerializer

    def get_queryset(self) -> Any:
        return selectors.participants_visible_to(self.request.user).prefetch_related(
            "profile__degrees", "profile__licenses"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer": self.request.user}


@extend_schema(tags=TAG, responses=s.ParticipantSerializer)
@api_view(["GET"])
def participant_detail(request: Request, pk: int) -> Response:
    person = selectors.get_participant_for_user(request.user, pk)
    return Response(s.ParticipantSerializer(person, context=_ctx(request)).data)


@extend_schema(tags=TAG, request=s.ProfileInSerializer, responses=s.ParticipantSerializer)
@api_view(["PUT"])
def participant_profile(request: Request, pk: int) -> Response:
    """Replace the participant's profile (its degrees and licenses included). The owner or staff."""
    person = selectors.get_participant_for_user(request.user, pk)
    body = s.ProfileInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    services.profile_update(actor=request.user, participant=person, **body.validated_data)
    person = selectors.get_participant_for_user(request.user, pk)
    return Response(s.ParticipantSerializer(person, context=_ctx(request)).data)


@extend_schema(tags=TAG, responses=s.SummarySerializer)
@api_view(["GET"])
@permission_classes([IsParticipant])
def my_certification(request: Request) -> Response:
    """What the participant's "My certification" page shows."""
    data = certification_summary(request.user)
    return Response(s.SummarySerializer(data, context=_ctx(request)).data)


@extend_schema(tags=TAG)
class EnrollmentList(generics.ListAPIView):
    serializer_class = s.EnrollmentSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Enrollment.objects.none()
        qs = selectors.enrollments_visible_to(self.request.user).order_by("-start_date", "-id")
        for name in ("phase", "status", "participant"):
            value = self.request.query_params.get(name)
            if value:
                qs = qs.filter(**{name: value}) if name != "participant" or value.isdigit() else qs.none()
        return qs


@extend_schema(tags=TAG, responses=s.EnrollmentSerializer)
@api_view(["GET"])
def enrollment_detail(request: Request, pk: int) -> Response:
    return Response(s.EnrollmentSerializer(selectors.get_enrollment_for_user(request.user, pk)).data)


# --- Applications ------------------------------------------------------------------------------------


@extend_schema(tags=TAG)
class ApplicationList(generics.ListCreateAPIView):
    serializer_class = s.ApplicationSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Application.objects.none()
        qs = selectors.applications_visible_to(self.request.user).order_by("-submitted_at", "-id")
        wanted = self.request.query_params.get("status")
        return qs.filter(status=wanted) if wanted else qs

    @extend_schema(request=s.ApplicationSubmitSerializer, responses={201: s.ApplicationSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Submit (or resubmit) the signed-in participant's Phase I application."""
        if not IsParticipant().has_permission(request, self):
            return Response(
                {"error": {"code": "not_allowed", "message": "Only participants apply.", "fields": {}}},
                status=status.HTTP_403_FORBIDDEN,
            )
        body = s.ApplicationSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.application_submit(
            actor=request.user, participant=request.user, **body.validated_data
        )
        return Response(s.ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAG, responses=s.ApplicationSerializer)
@api_view(["GET"])
def application_detail(request: Request, pk: int) -> Response:
    return Response(s.ApplicationSerializer(selectors.get_application_for_user(request.user, pk)).data)


@extend_schema(tags=TAG, request=s.StartDateSerializer, responses=s.EnrollmentSerializer)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def application_approve(request: Request, pk: int) -> Response:
    application = selectors.get_application_for_user(request.user, pk)
    body = s.StartDateSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    enrollment = services.application_approve(
        actor=request.user, application=application, start_date=body.validated_data.get("start_date")
    )
    return Response(s.EnrollmentSerializer(enrollment).data)


@extend_schema(tags=TAG, request=s.DecisionReasonSerializer, responses=s.ApplicationSerializer)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def application_reject(request: Request, pk: int) -> Response:
    application = selectors.get_application_for_user(request.user, pk)
    body = s.DecisionReasonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    done = services.application_reject(
        actor=request.user, application=application, reason=body.validated_data["reason"]
    )
    return Response(s.ApplicationSerializer(done).data)


@extend_schema(tags=TAG, request=s.MessageSerializer, responses=s.ApplicationSerializer)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def application_request_info(request: Request, pk: int) -> Response:
    application = selectors.get_application_for_user(request.user, pk)
    body = s.MessageSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    done = services.application_request_info(
        actor=request.user, application=application, message=body.validated_data["message"]
    )
    return Response(s.ApplicationSerializer(done).data)


# --- Transitions and extensions ---------------------------------------------------------------------


@extend_schema(
    tags=TAG, request=s.TransitionRequestInSerializer, responses={201: s.TransitionRequestSerializer}
)
@api_view(["POST"])
def enrollment_request_transition(request: Request, pk: int) -> Response:
    enrollment = selectors.get_enrollment_for_user(request.user, pk)
    body = s.TransitionRequestInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    created = services.transition_request_create(
        actor=request.user, enrollment=enrollment, **body.validated_data
    )
    return Response(s.TransitionRequestSerializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAG, request=s.MonthsReasonSerializer, responses={201: s.ExtensionRequestSerializer})
@api_view(["POST"])
def enrollment_request_extension(request: Request, pk: int) -> Response:
    enrollment = selectors.get_enrollment_for_user(request.user, pk)
    body = s.MonthsReasonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    created = services.extension_request_create(
        actor=request.user, enrollment=enrollment, **body.validated_data
    )
    return Response(s.ExtensionRequestSerializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAG, request=s.MonthsReasonSerializer, responses=s.EnrollmentSerializer)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def enrollment_extend(request: Request, pk: int) -> Response:
    """Grant a free extension (cumulative, up to the policy's limit)."""
    enrollment = selectors.get_enrollment_for_user(request.user, pk)
    body = s.MonthsReasonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    done = services.enrollment_grant_free_extension(
        actor=request.user, enrollment=enrollment, **body.validated_data
    )
    return Response(s.EnrollmentSerializer(done).data)


@extend_schema(tags=TAG, request=s.ContinuationSerializer, responses=s.EnrollmentSerializer)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def enrollment_continuation(request: Request, pk: int) -> Response:
    """Add the paid continuation time once its fee invoice is paid or waived."""
    enrollment = selectors.get_enrollment_for_user(request.user, pk)
    body = s.ContinuationSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    invoice = selectors.invoices_visible_to(request.user).filter(pk=body.validated_data["invoice"]).first()
    if invoice is None:
        raise ValidationError({"invoice": "No such invoice."})
    done = services.enrollment_record_continuation(actor=request.user, enrollment=enrollment, invoice=invoice)
    return Response(s.EnrollmentSerializer(done).data)


@extend_schema(tags=TAG, request=None, responses={201: s.InvoiceSerializer})
@api_view(["POST"])
@permission_classes([IsStaffMember])
def enrollment_continuation_fee(request: Request, pk: int) -> Response:
    """Record the continuation fee due, at the amount of the enrollment's policy."""
    enrollment = selectors.get_enrollment_for_user(request.user, pk)
    invoice = services.enrollment_issue_continuation_invoice(actor=request.user, enrollment=enrollment)
    return Response(
        s.InvoiceSerializer(selectors.invoice_with_balance(invoice)).data, status=status.HTTP_201_CREATED
    )


@extend_schema(tags=TAG, request=s.DecisionReasonSerializer, responses=s.EnrollmentSerializer)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def enrollment_withdraw(request: Request, pk: int) -> Response:
    enrollment = selectors.get_enrollment_for_user(request.user, pk)
    body = s.DecisionReasonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    done = services.enrollment_withdraw(
        actor=request.user, enrollment=enrollment, reason=body.validated_data["reason"]
    )
    return Response(s.EnrollmentSerializer(done).data)


@extend_schema(tags=TAG)
class TransitionRequestList(generics.ListAPIView):
    serializer_class = s.TransitionRequestSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return TransitionRequest.objects.none()
        qs = selectors.transition_requests_visible_to(self.request.user).order_by("requested_at", "id")
        wanted = self.request.query_params.get("status")
        return qs.filter(status=wanted) if wanted else qs


@extend_schema(tags=TAG, request=s.StartDateSerializer, responses=s.EnrollmentSerializer)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def transition_approve(request: Request, pk: int) -> Response:
    found = selectors.get_transition_request_for_user(request.user, pk)
    body = s.StartDateSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    new = services.transition_request_approve(
        actor=request.user, transition_request=found, start_date=body.validated_data.get("start_date")
    )
    return Response(s.EnrollmentSerializer(new).data)


@extend_schema(tags=TAG, request=s.DecisionReasonSerializer, responses=s.TransitionRequestSerializer)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def transition_refuse(request: Request, pk: int) -> Response:
    found = selectors.get_transition_request_for_user(request.user, pk)
    body = s.DecisionReasonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    done = services.transition_request_refuse(
        actor=request.user, transition_request=found, reason=body.validated_data["reason"]
    )
    return Response(s.TransitionRequestSerializer(done).data)


@extend_schema(tags=TAG)
class ExtensionRequestList(generics.ListAPIView):
    serializer_class = s.ExtensionRequestSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ExtensionRequest.objects.none()
        qs = selectors.extension_requests_visible_to(self.request.user).order_by("requested_at", "id")
        wanted = self.request.query_params.get("status")
        return qs.filter(status=wanted) if wanted else qs


@extend_schema(tags=TAG, request=s.GrantSerializer, responses=s.ExtensionRequestSerializer)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def extension_request_grant(request: Request, pk: int) -> Response:
    found = selectors.get_extension_request_for_user(request.user, pk)
    body = s.GrantSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    done = services.extension_request_grant(
        actor=request.user,
        extension_request=found,
        months=body.validated_data.get("months"),
        reason=body.validated_data["reason"],
    )
    return Response(s.ExtensionRequestSerializer(done).data)


@extend_schema(tags=TAG, request=s.DecisionReasonSerializer, responses=s.ExtensionRequestSerializer)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def extension_request_refuse(request: Request, pk: int) -> Response:
    found = selectors.get_extension_request_for_user(request.user, pk)
    body = s.DecisionReasonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    done = services.extension_request_refuse(
        actor=request.user, extension_request=found, reason=body.validated_data["reason"]
    )
    return Response(s.ExtensionRequestSerializer(done).data)


# --- Fees ---------------------------------------------------------------------------------------------


@extend_schema(tags=TAG)
class InvoiceList(generics.ListCreateAPIView):
    serializer_class = s.InvoiceSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Invoice.objects.none()
        qs = selectors.invoices_visible_to(self.request.user).order_by("-issued_on", "-id")
        who = self.request.query_params.get("participant")
        return qs.filter(participant_id=int(who)) if who and who.isdigit() else qs

    @extend_schema(request=s.InvoiceInSerializer, responses={201: s.InvoiceSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Staff record an invoice."""
        if not IsStaffMember().has_permission(request, self):
            return Response(
                {"error": {"code": "not_allowed", "message": "Only staff record invoices.", "fields": {}}},
                status=status.HTTP_403_FORBIDDEN,
            )
        body = s.InvoiceInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        person = selectors.participants_visible_to(request.user).filter(pk=data.pop("participant")).first()
        if person is None:
            raise ValidationError({"participant": "No such participant."})
        enrollment_id = data.pop("enrollment", None)
        enrollment = Enrollment.objects.filter(pk=enrollment_id).first() if enrollment_id else None
        if enrollment_id and enrollment is None:
            raise ValidationError({"enrollment": "No such enrollment."})
        invoice = services.invoice_issue(
            actor=request.user, participant=person, enrollment=enrollment, **data
        )
        return Response(
            s.InvoiceSerializer(selectors.invoice_with_balance(invoice)).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=TAG, responses=s.InvoiceSerializer)
@api_view(["GET"])
def invoice_detail(request: Request, pk: int) -> Response:
    return Response(s.InvoiceSerializer(selectors.get_invoice_for_user(request.user, pk)).data)


@extend_schema(tags=TAG, request=s.PaymentInSerializer, responses={201: s.PaymentSerializer})
@api_view(["POST"])
@permission_classes([IsStaffMember])
def invoice_payments(request: Request, pk: int) -> Response:
    """Record a payment (append-only). A payment provider's webhook would call the same service."""
    invoice = selectors.get_invoice_for_user(request.user, pk)
    body = s.PaymentInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    payment = services.payment_record(actor=request.user, invoice=invoice, **body.validated_data)
    return Response(s.PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAG, request=s.WaiverInSerializer, responses={201: s.WaiverSerializer})
@api_view(["POST"])
@permission_classes([IsStaffMember])
def invoice_waive(request: Request, pk: int) -> Response:
    invoice = selectors.get_invoice_for_user(request.user, pk)
    body = s.WaiverInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    waiver = services.invoice_waive(actor=request.user, invoice=invoice, **body.validated_data)
    return Response(s.WaiverSerializer(waiver).data, status=status.HTTP_201_CREATED)


# --- Import --------------------------------------------------------------------------------------------


@extend_schema(
    tags=TAG,
    request=s.ImportInSerializer,
    responses={200: s.ImportResultSerializer, 201: s.ImportResultSerializer},
)
@api_view(["POST"])
@permission_classes([IsStaffMember])
@parser_classes([JSONParser, MultiPartParser, FormParser])
def import_records(request: Request) -> Response:
    """Dry run (default) answers the preview with an error per bad row; `dry_run: false` imports every row
    or none (400 with the problems, nothing saved)."""
    body = s.ImportInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    upload = body.validated_data.get("file")
    if upload is not None:
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": "The file is not UTF-8 text."}) from None
    else:
        text = body.validated_data.get("csv", "")
    if body.validated_data["dry_run"]:
        preview = services.import_preview(text=text)
        return Response({**preview.as_dict(), "committed": False})
    preview = services.import_preview(text=text)
    if not preview.ok:
        return Response(
            {
                "error": {
                    "code": "invalid",
                    "message": f"Nothing was imported: {preview.error_count} problem(s).",
                    "fields": {"rows": preview.as_dict()["rows"], "file": preview.file_errors},
                }
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    done = services.import_commit(actor=request.user, text=text)
    return Response({**done.as_dict(), "committed": True}, status=status.HTTP_201_CREATED)
