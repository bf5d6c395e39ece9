"""API routes of the Certificates app, mounted under /api/v1/ (names in the "api" namespace).

Everything the pages offer: list, issue (one or many), revoke, reissue, download; public
verification; bulk print jobs, their progress and their files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_pagination import ApiPagination
from accounts.api_permissions import DefaultApiPermission, IsAdminRole, IsStaffMember
from accounts.schema import PAGE_PARAMETERS, page_of

from . import rendering, selectors, services
from .models import BulkPrintJob, BulkPrintStatus, Certificate, CertificateLevel
from .ratelimit import retry_after, verify_allowed


class CertificateSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    participant_email = serializers.EmailField(source="participant.email", read_only=True)
    verification_url = serializers.SerializerMethodField()
    superseded_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True
    )

    class Meta:
        model = Certificate
        fields = [
            "id", "number", "verification_code", "verification_url", "participant", "participant_email",
            "enrollment", "level", "level_label", "legal_name", "completion_date", "issue_date",
            "issuer_name", "status", "printed_at", "revoked_at", "revocation_reason", "superseded_at",
            "superseded_by",
        ]  # fmt: skip

    def get_verification_url(self, obj: Certificate) -> str:
        return rendering.verification_url(obj.verification_code)


class IssueSerializer(serializers.Serializer):
    enrollment_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)


class IssueResultSerializer(serializers.Serializer):
    issued = CertificateSerializer(many=True)
    refused = serializers.ListField(child=serializers.DictField())


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReissueSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    legal_name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class IssuableSerializer(serializers.Serializer):
    enrollment_id = serializers.IntegerField(source="pk")
    participant = serializers.IntegerField(source="participant_id")
    participant_email = serializers.EmailField(source="participant.email")
    phase = serializers.CharField()
    completed_on = serializers.DateField()


class VerificationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["valid", "revoked", "superseded", "not_found"])
    status_label = serializers.CharField()
    valid = serializers.BooleanField()
    name = serializers.CharField(allow_null=True)
    level = serializers.CharField(allow_null=True)
    issuer = serializers.CharField(allow_null=True)
    completion_date = serializers.DateField(allow_null=True)
    issue_date = serializers.DateField(allow_null=True)
    revoked_on = serializers.DateField(allow_null=True)
    superseded_on = serializers.DateField(allow_null=True)
    maintenance = serializers.ChoiceField(choices=["current", "lapsed", "none"], allow_null=True)


class BulkJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    created_by_email = serializers.EmailField(source="created_by.email", read_only=True)
    combined_pdf_url = serializers.SerializerMethodField()
    zip_url = serializers.SerializerMethodField()

    class Meta:
        model = BulkPrintJob
        fields = [
            "id", "status", "filters", "total", "done_count", "percent", "mark_printed", "created_at",
            "created_by_email", "started_at", "finished_at", "error", "combined_pdf_url", "zip_url",
        ]  # fmt: skip

    def _url(self, obj: BulkPrintJob, kind: str) -> str | None:
        if obj.status != BulkPrintStatus.DONE:
            return None
        from django.urls import reverse

        return reverse("api:certificate-bulk-job-download", kwargs={"pk": obj.pk, "kind": kind})

    def get_combined_pdf_url(self, obj: BulkPrintJob) -> str | None:
        return self._url(obj, "pdf")

    def get_zip_url(self, obj: BulkPrintJob) -> str | None:
        return self._url(obj, "zip")


class BulkJobCreateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=CertificateLevel.choices, required=False, allow_blank=True)
    completed_from = serializers.DateField(required=False, allow_null=True)
    completed_to = serializers.DateField(required=False, allow_null=True)
    organization = serializers.IntegerField(required=False, allow_null=True)
    not_printed = serializers.BooleanField(default=False)
    mark_printed = serializers.BooleanField(default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("completed_from"), attrs.get("completed_to")
        if start and end and start > end:
            raise serializers.ValidationError({"completed_to": "The end of the range is before its start."})
        return attrs


def _pdf_response(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(rendering.render_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{rendering.pdf_filename(certificate)}"'
    return response


@extend_schema(
    methods=["GET"],
    responses=page_of(CertificateSerializer(many=True), "PaginatedCertificateList"),
    operation_id="certificates_list",
    parameters=[
        *PAGE_PARAMETERS,
        OpenApiParameter("q", str, description="Name, number or e-mail (staff)"),
        OpenApiParameter("level", str, enum=CertificateLevel.values),
        OpenApiParameter("status", str, enum=["valid", "revoked", "superseded"]),
    ],
    tags=["certificates"],
)
@extend_schema(
    methods=["POST"],
    request=IssueSerializer,
    responses={201: IssueResultSerializer},
    tags=["certificates"],
    description="Admins: issue certificates for completed enrollments (each independently).",
)
@api_view(["GET", "POST"])
@permission_classes([DefaultApiPermission])
def certificate_list(request: Request) -> Response:
    """Participants see their own certificates; staff and admins see all. Admins issue."""
    if request.method == "POST":
        if not IsAdminRole().has_permission(request, None):
            return Response(
                {
                    "error": {
                        "code": "not_allowed",
                        "message": "Only admins issue certificates.",
                        "fields": {},
                    }
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        body = IssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data["enrollment_ids"]
        from enrollment.models import Enrollment

        found = {e.pk: e for e in Enrollment.objects.filter(pk__in=ids).select_related("participant")}
        issued, refused = services.certificate_issue_many(
            actor=request.user, enrollments=[found[i] for i in ids if i in found]
        )
        refused_out = [{"enrollment_id": e.pk, "message": m} for e, m in refused]
        refused_out += [{"enrollment_id": i, "message": "No such enrollment."} for i in ids if i not in found]
        return Response(
            {"issued": CertificateSerializer(issued, many=True).data, "refused": refused_out},
            status=status.HTTP_201_CREATED if issued else status.HTTP_409_CONFLICT,
        )
    qs = selectors.filter_certificates(selectors.certificates_visible_to(request.user), request.query_params)
    paginator = ApiPagination()
    page = paginator.paginate_queryset(qs.order_by("-issued_at", "-id"), request)
    return paginator.get_paginated_response(CertificateSerializer(page, many=True).data)


@extend_schema(responses=CertificateSerializer, tags=["certificates"])
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def certificate_detail(request: Request, pk: int) -> Response:
    return Response(CertificateSerializer(selectors.get_certificate_for_user(request.user, pk)).data)


@extend_schema(
    responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    tags=["certificates"],
    operation_id="certificates_download",
)
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def certificate_download(request: Request, pk: int) -> HttpResponse:
    """The certificate's PDF: its owner, staff and admins only (anyone else: 404)."""
    return _pdf_response(selectors.get_certificate_for_user(request.user, pk))


@extend_schema(request=RevokeSerializer, responses=CertificateSerializer, tags=["certificates"])
@api_view(["POST"])
@permission_classes([IsAdminRole])
def certificate_revoke(request: Request, pk: int) -> Response:
    certificate = selectors.get_certificate_for_user(request.user, pk)
    body = RevokeSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    certificate = services.certificate_revoke(
        actor=request.user, certificate=certificate, reason=body.validated_data["reason"]
    )
    return Response(CertificateSerializer(certificate).data)


@extend_schema(request=ReissueSerializer, responses={201: CertificateSerializer}, tags=["certificates"])
@api_view(["POST"])
@permission_classes([IsAdminRole])
def certificate_reissue(request: Request, pk: int) -> Response:
    certificate = selectors.get_certificate_for_user(request.user, pk)
    body = ReissueSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    new = services.certificate_reissue(
        actor=request.user,
        certificate=certificate,
        reason=body.validated_data["reason"],
        legal_name=body.validated_data.get("legal_name", ""),
    )
    return Response(CertificateSerializer(new).data, status=status.HTTP_201_CREATED)


@extend_schema(
    responses=page_of(IssuableSerializer(many=True), "PaginatedIssuableList"),
    operation_id="certificates_issuable_list",
    parameters=PAGE_PARAMETERS,
    tags=["certificates"],
)
@api_view(["GET"])
@permission_classes([IsStaffMember])
def certificate_issuable(request: Request) -> Response:
    """Completed Phase I, Phase II/TTT and Re-Certification enrollments awaiting a certificate."""
    paginator = ApiPagination()
    page = paginator.paginate_queryset(selectors.issuable_enrollments(), request)
    return paginator.get_paginated_response(IssuableSerializer(page, many=True).data)


@extend_schema(
    responses={200: VerificationSerializer, 429: OpenApiTypes.OBJECT},
    tags=["certificates"],
    auth=[],
    description="Public: what a verification code says. Unknown codes answer the same shape, empty.",
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def certificate_verify(request: Request, code: str) -> Response:
    if not verify_allowed(request):
        wait = retry_after()
        return Response(
            {
                "error": {
                    "code": "throttled",
                    "message": f"Too many requests. Try again in {wait} seconds.",
                    "fields": {},
                }
            },
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(wait)},
        )
    return Response(selectors.verification_for_code(code), headers={"Cache-Control": "no-store"})


@extend_schema(methods=["GET"], responses=BulkJobSerializer(many=True), tags=["certificates"])
@extend_schema(
    methods=["POST"],
    request=BulkJobCreateSerializer,
    responses={201: BulkJobSerializer},
    tags=["certificates"],
)
@api_view(["GET", "POST"])
@permission_classes([IsAdminRole])
def bulk_job_list(request: Request) -> Response:
    if request.method == "POST":
        body = BulkJobCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        mark_printed = data.pop("mark_printed")
        job = services.bulk_print_start(actor=request.user, filters=data, mark_printed=mark_printed)
        return Response(BulkJobSerializer(job).data, status=status.HTTP_201_CREATED)
    return Response(BulkJobSerializer(selectors.bulk_jobs()[:50], many=True).data)


@extend_schema(responses=BulkJobSerializer, tags=["certificates"], description="The job and its progress.")
@api_view(["GET"])
@permission_classes([IsAdminRole])
def bulk_job_detail(request: Request, pk: int) -> Response:
    return Response(BulkJobSerializer(get_object_or_404(BulkPrintJob, pk=pk)).data)


@extend_schema(
    responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    tags=["certificates"],
    operation_id="certificates_bulk_jobs_download",
    parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=["pdf", "zip"])],
)
@api_view(["GET"])
@permission_classes([IsAdminRole])
def bulk_job_download(request: Request, pk: int, kind: str) -> FileResponse:
    job = get_object_or_404(BulkPrintJob, pk=pk)
    relative = {"pdf": job.combined_pdf, "zip": job.zip_file}.get(kind)
    if job.status != BulkPrintStatus.DONE or not relative:
        raise Http404("These files are not ready.")
    root = Path(settings.MEDIA_ROOT).resolve()
    file_path = (root / relative).resolve()
    if not file_path.is_relative_to(root) or not file_path.exists():
        raise Http404("These files are no longer there.")
    content_type = "application/pdf" if kind == "pdf" else "application/zip"
    return FileResponse(
        open(file_path, "rb"), as_attachment=True, filename=file_path.name, content_type=content_type
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("certificates/", certificate_list, name="certificate-list"),
    path("certificates/issuable/", certificate_issuable, name="certificate-issuable"),
    path("certificates/<int:pk>/", certificate_detail, name="certificate-detail"),
    path("certificates/<int:pk>/pdf/", certificate_download, name="certificate-download"),
    path("certificates/<int:pk>/revoke/", certificate_revoke, name="certificate-revoke"),
    path("certificates/<int:pk>/reissue/", certificate_reissue, name="certificate-reissue"),
    path("certificates/bulk-jobs/", bulk_job_list, name="certificate-bulk-job-list"),
    path("certificates/bulk-jobs/<int:pk>/", bulk_job_detail, name="certificate-bulk-job-detail"),
    path(
        "certificates/bulk-jobs/<int:pk>/<str:kind>/", bulk_job_download, name="certificate-bulk-job-download"
    ),
    path("verify/<str:code>/", certificate_verify, name="certificate-verify"),
]
