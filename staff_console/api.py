"""API of the staff console, mounted under /api/v1/ (names in the "api" namespace, prefixed "staff-").
Staff and admins only (IsStaffMember): the work queues, participant search, the participant record's
summary, the program reports, reminders and evidence packs — what the pages offer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_pagination import ApiPagination
from accounts.api_permissions import IsStaffMember

from . import queues as q
from . import record
from .audit import COLUMNS as AUDIT_COLUMNS
from .audit import AuditFilters, audit_entries
from .audit import row as audit_row
from .models import EvidencePackJob
from .reports import REPORTS
from .search import SearchCriteria, search_participants
from .selectors import queue_summaries
from .services import evidence_pack_request, reminders_send, study_group_assign

TAGS = ["staff console"]
OBJECT_LIST = {"type": "array", "items": {"type": "object", "additionalProperties": {}}}


def _queue(key: str) -> q.QueueDef:
    found = q.get_queue(key)
    if found is None:
        raise Http404("No such queue.")
    return found


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@extend_schema(responses={200: OBJECT_LIST}, tags=TAGS, operation_id="staff_queues_list")
@api_view(["GET"])
@permission_classes([IsStaffMember])
def queue_list(request: Request) -> Response:
    """Every work queue with its count and its oldest item's waiting time (for "ending": soonest end)."""
    return Response(
        [
            {
                "key": s.queue.key,
                "title": s.queue.title,
                "count": s.count,
                "edge": _iso(s.edge),
                "days": s.days,
                "ending": s.queue.ending,
            }
            for s in queue_summaries()
        ]
    )


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="Name or e-mail contains"),
        OpenApiParameter("phase", str),
        OpenApiParameter("sort", str, description="A column's sort field, '-' for descending"),
    ],
    responses=OpenApiTypes.OBJECT,
    tags=TAGS,
)
@api_view(["GET"])
@permission_classes([IsStaffMember])
def queue_detail(request: Request, key: str) -> Response:
    """One queue's items (paginated with limit/offset), filtered and sorted like the page."""
    work = _queue(key)
    items = q.filtered(work, timezone.localdate(), request.query_params)
    paginator = ApiPagination()
    page = paginator.paginate_queryset(items, request) or []
    columns = [c.label for c in work.columns]
    rows = [
        {
            "id": item.pk,
            "participant_id": work.participant_of(item).pk,
            "waiting": _iso(item.waiting),
            "values": dict(zip(columns, [_iso(v) for v in q.row_values(work, item)], strict=True)),
            "link": request.build_absolute_uri(work.link(item)),
        }
        for item in page
    ]
    return paginator.get_paginated_response(rows)


class RemindSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), help_text="Item ids of the queue")
    subject = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=5000)


@extend_schema(request=RemindSerializer, responses={201: OpenApiTypes.OBJECT}, tags=TAGS)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def queue_remind(request: Request, key: str) -> Response:
    """E-mail a reminder to the participants of the chosen items (sent after commit)."""
    work = _queue(key)
    body = RemindSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    made = reminders_send(
        actor=request.user,
        queue=work,
        today=timezone.localdate(),
        item_ids=body.validated_data["ids"],
        subject=body.validated_data["subject"],
        body=body.validated_data["body"],
    )
    return Response(
        {"reminders": [r.pk for r in made], "participants": [r.participant_id for r in made]},
        status=status.HTTP_201_CREATED,
    )


class QueueAssignSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), help_text="Enrollment ids of the queue")
    group = serializers.IntegerField(help_text="An open study group")


@extend_schema(request=QueueAssignSerializer, responses={201: OpenApiTypes.OBJECT}, tags=TAGS)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def queue_assign(request: Request, key: str) -> Response:
    """Add the chosen enrollments' participants to a study group; all or nothing (409 with the reason)."""
    from study_groups.models import StudyGroup

    work = _queue(key)
    body = QueueAssignSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    group = StudyGroup.objects.filter(pk=body.validated_data["group"], is_active=True).first()
    if group is None:
        raise ValidationError({"group": "Choose an open study group."})
    added = study_group_assign(
        actor=request.user,
        queue=work,
        item_ids=body.validated_data["ids"],
        group=group,
        today=timezone.localdate(),
    )
    return Response({"added": added, "group": group.pk}, status=status.HTTP_201_CREATED)


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    license_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    organization = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phase = serializers.CharField(required=False, allow_blank=True)
    status = serializers.CharField(required=False, allow_blank=True)
    mentor = serializers.IntegerField(required=False, allow_null=True)
    overdue = serializers.BooleanField(required=False, default=False)


def _person(user: Any) -> dict[str, Any]:
    profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
    return {
        "id": user.pk,
        "name": user.get_full_name(),
        "email": user.email,
        "organization": profile.organization.name if profile and profile.organization else "",
        "latest_phase": getattr(user, "latest_phase", None),
        "latest_status": getattr(user, "latest_status", None),
    }


@extend_schema(request=SearchSerializer, responses=OpenApiTypes.OBJECT, tags=TAGS)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def participant_search(request: Request) -> Response:
    """Search participants. A POST so that a license number never appears in a URL or a log."""
    body = SearchSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    criteria = SearchCriteria(
        text=data.get("q", "").strip(),
        license_number=data.get("license_number", "").strip(),
        organization=data.get("organization", "").strip(),
        phase=data.get("phase", ""),
        status=data.get("status", ""),
        mentor_id=data.get("mentor"),
        overdue=data.get("overdue", False),
    )
    if criteria.empty:
        raise ValidationError("Give at least one criterion.")
    paginator = ApiPagination()
    page = paginator.paginate_queryset(search_participants(criteria, timezone.localdate()), request) or []
    return paginator.get_paginated_response([_person(u) for u in page])


@extend_schema(responses=OpenApiTypes.OBJECT, tags=TAGS)
@api_view(["GET"])
@permission_classes([IsStaffMember])
def participant_detail(request: Request, pk: int) -> Response:
    """The participant record's summary: profile, licenses, enrollments, timeline, certificates."""
    user = record.get_participant(pk)
    main = record.main_section(user)
    profile = main["profile"]
    return Response(
        {
            **_person(user),
            "legal_name": profile.legal_name if profile else "",
            "licenses": [
                {
                    "type": lic.license_type,
                    "number": lic.number,
                    "jurisdiction": lic.jurisdiction,
                    "expires_on": _iso(lic.expires_on),
                }
                for lic in main["licenses"]
            ],
            "enrollments": [
                {
                    "id": e.pk,
                    "phase": e.phase,
                    "status": e.status,
                    "year_number": e.year_number,
                    "start_date": _iso(e.start_date),
                    "ends_on": _iso(e.current_end),
                    "completed_on": _iso(e.completed_on),
                    "ended_on": _iso(e.ended_on),
                    "policy": e.policy.name,
                }
                for e in main["enrollments"]
            ],
            "timeline": [
                {"on": _iso(ev["on"]), "kind": ev["kind"], "text": ev["text"]} for ev in main["timeline"]
            ],
            "certificates": [
                {
                    "id": c.pk,
                    "number": c.number,
                    "level": c.level,
                    "issue_date": _iso(c.issue_date),
                    "revoked": c.revoked_at is not None,
                }
                for c in main["certificates"]
            ],
        }
    )


@extend_schema(responses={200: OBJECT_LIST}, tags=TAGS, operation_id="staff_reports_list")
@api_view(["GET"])
@permission_classes([IsStaffMember])
def report_list(request: Request) -> Response:
    """Every program report as a table (columns, rows) with its chart data."""
    return Response([build().as_dict() for build in REPORTS.values()])


@extend_schema(responses=OpenApiTypes.OBJECT, tags=TAGS)
@api_view(["GET"])
@permission_classes([IsStaffMember])
def report_detail(request: Request, key: str) -> Response:
    build = REPORTS.get(key)
    if build is None:
        raise Http404("No such report.")
    return Response(build().as_dict())


def _job(job: EvidencePackJob, request: Request) -> dict[str, Any]:
    from django.urls import reverse

    done = job.status == "done"
    return {
        "id": job.pk,
        "participant_id": job.participant_id,
        "status": job.status,
        "percent": job.percent,
        "created_at": _iso(job.created_at),
        "finished_at": _iso(job.finished_at),
        "summary": job.summary,
        "error": job.error,
        "pdf": request.build_absolute_uri(reverse("staff_console:evidence_download", args=[job.pk, "pdf"]))
        if done
        else None,
        "zip": request.build_absolute_uri(reverse("staff_console:evidence_download", args=[job.pk, "zip"]))
        if done
        else None,
    }


@extend_schema(request=None, responses={201: OpenApiTypes.OBJECT}, tags=TAGS)
@api_view(["POST"])
@permission_classes([IsStaffMember])
def evidence_start(request: Request, pk: int) -> Response:
    """Start building the participant's evidence pack (PDF + zip) in the background; poll the job."""
    job = evidence_pack_request(actor=request.user, participant=record.get_participant(pk))
    return Response(_job(job, request), status=status.HTTP_201_CREATED)


@extend_schema(responses=OpenApiTypes.OBJECT, tags=TAGS)
@api_view(["GET"])
@permission_classes([IsStaffMember])
def evidence_job(request: Request, pk: int) -> Response:
    """An evidence pack's progress, and its download links once ready."""
    job = EvidencePackJob.objects.filter(pk=pk).first()
    if job is None:
        raise Http404("No such evidence pack.")
    return Response(_job(job, request))


@extend_schema(
    parameters=[
        OpenApiParameter("actor", str),
        OpenApiParameter("action", str),
        OpenApiParameter("object_type", int, description="ContentType id"),
        OpenApiParameter("object_id", str),
        OpenApiParameter("subject", int, description="The participant concerned (user id)"),
    ],
    responses=OpenApiTypes.OBJECT,
    tags=TAGS,
)
@api_view(["GET"])
@permission_classes([IsStaffMember])
def audit_list(request: Request) -> Response:
    """Audit entries, newest first (limit/offset), filtered by actor, action, object and participant."""
    paginator = ApiPagination()
    page = (
        paginator.paginate_queryset(audit_entries(AuditFilters.from_params(request.query_params)), request)
        or []
    )
    keys = [c.lower().replace(" ", "_") for c in AUDIT_COLUMNS]
    return paginator.get_paginated_response([dict(zip(keys, audit_row(e), strict=True)) for e in page])


urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/queues/", queue_list, name="staff-queue-list"),
    path("staff/queues/<slug:key>/", queue_detail, name="staff-queue-detail"),
    path("staff/queues/<slug:key>/remind/", queue_remind, name="staff-queue-remind"),
    path("staff/queues/<slug:key>/assign/", queue_assign, name="staff-queue-assign"),
    path("staff/participants/search/", participant_search, name="staff-participant-search"),
    path("staff/participants/<int:pk>/", participant_detail, name="staff-participant-detail"),
    path("staff/participants/<int:pk>/evidence-packs/", evidence_start, name="staff-evidence-start"),
    path("staff/evidence-packs/<int:pk>/", evidence_job, name="staff-evidence-job"),
    path("staff/audit/", audit_list, name="staff-audit-list"),
    path("staff/reports/", report_list, name="staff-report-list"),
    path("staff/reports/<slug:key>/", report_detail, name="staff-report-detail"),
]
