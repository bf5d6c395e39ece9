"""Reads about certificates shared by the pages, the API, the bulk print task and verification."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.roles import is_staff_member
from enrollment.models import Enrollment, EnrollmentStatus, ParticipantProfile, Phase

from .models import BulkPrintJob, Certificate, CertificateLevel, CertificateStatus

CURRENT = Q(revoked_at__isnull=True, superseded_at__isnull=True)


def legal_name_for(user: Any) -> str:
    """The name a certificate carries: the profile's legal name, else the account's full name."""
    profile = ParticipantProfile.objects.filter(user=user).only("legal_name").first()
    if profile and profile.legal_name.strip():
        return profile.legal_name.strip()
    full = f"{user.first_name} {user.last_name}".strip()
    return full or user.email


def certificates_visible_to(user: Any) -> QuerySet[Certificate]:
    qs = Certificate.objects.select_related("participant", "superseded_by")
    if is_staff_member(user):
        return qs
    return qs.filter(participant=user)


def get_certificate_for_user(user: Any, pk: int) -> Certificate:
    """A certificate the user may see: their own, or any for staff and admins. Others' answer 404."""
    certificate = certificates_visible_to(user).filter(pk=pk).first()
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def certificates_of(user: Any) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(participant=user)
        .select_related("superseded_by")
        .order_by("-issued_at", "-id")
    )


def filter_certificates(qs: QuerySet[Certificate], params: dict[str, Any]) -> QuerySet[Certificate]:
    """Staff list filters: q (name, number, e-mail), level, status."""
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(legal_name__icontains=q) | Q(number__icontains=q) | Q(participant__email__icontains=q)
        )
    if params.get("level") in CertificateLevel.values:
        qs = qs.filter(level=params["level"])
    status = params.get("status")
    if status == CertificateStatus.VALID:
        qs = qs.filter(CURRENT)
    elif status == CertificateStatus.REVOKED:
        qs = qs.filter(revoked_at__isnull=False)
    elif status == CertificateStatus.SUPERSEDED:
        qs = qs.filter(superseded_at__isnull=False, revoked_at__isnull=True)
    return qs


def issuable_enrollments() -> QuerySet[Enrollment]:
    """Completed Phase I, Phase II/TTT and Re-Certification enrollments without a current certificate."""
    current = Certificate.objects.filter(CURRENT, enrollment=OuterRef("pk"))
    return (
        Enrollment.objects.filter(
            phase__in=CertificateLevel.values, status=EnrollmentStatus.COMPLETED, completed_on__isnull=False
        )
        .filter(~Exists(current))
        .select_related("participant", "participant__profile", "policy")
        .order_by("completed_on", "id")
    )


def bulk_print_queryset(filters: dict[str, Any]) -> QuerySet[Certificate]:
    """Current certificates matching the bulk print filters: level, completion date range,
    organization (the participant's), not yet printed."""
    qs = Certificate.objects.filter(CURRENT)
    level = filters.get("level")
    if level:
        qs = qs.filter(level=level)
    if filters.get("completed_from"):
        qs = qs.filter(completion_date__gte=_as_date(filters["completed_from"]))
    if filters.get("completed_to"):
        qs = qs.filter(completion_date__lte=_as_date(filters["completed_to"]))
    organization = filters.get("organization")
    if organization:
        qs = qs.filter(participant__profile__organization=getattr(organization, "pk", organization))
    if filters.get("not_printed"):
        qs = qs.filter(printed_at__isnull=True)
    return qs.order_by("legal_name", "id")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def bulk_jobs() -> QuerySet[BulkPrintJob]:
    return BulkPrintJob.objects.select_related("created_by").order_by("-created_at", "-id")


# --- Public verification ------------------------------------------------------------------------

MAINTENANCE_CURRENT = "current"
MAINTENANCE_LAPSED = "lapsed"
MAINTENANCE_NONE = "none"


def maintenance_state(participant_id: int) -> str:
    """Whether the participant keeps their certification current through annual Maintenance.

    An enrolled (or renewal-due) Maintenance year → current; the latest Maintenance year lapsed (or
    withdrawn) → lapsed; a Re-Certification completed after it restores current. None yet → none.
    """
    latest = (
        Enrollment.objects.filter(
            participant_id=participant_id, phase__in=[Phase.MAINTENANCE, Phase.RECERTIFICATION]
        )
        .exclude(status=EnrollmentStatus.PENDING)
        .order_by("-start_date", "-id")
        .only("phase", "status")
        .first()
    )
    if latest is None:
        return MAINTENANCE_NONE
    if latest.status in (EnrollmentStatus.LAPSED, EnrollmentStatus.WITHDRAWN):
        return MAINTENANCE_LAPSED
    if latest.phase == Phase.RECERTIFICATION and latest.status != EnrollmentStatus.COMPLETED:
        # Re-certifying after a lapse: not current until it is completed.
        return MAINTENANCE_LAPSED
    return MAINTENANCE_CURRENT


def verification_for_code(code: str) -> dict[str, Any]:
    """What the public may know about a code. Unknown codes answer the same shape, every value empty."""
    certificate = (
        Certificate.objects.filter(verification_code=code)
        .select_related("superseded_by")
        .only(
            "number",
            "verification_code",
            "participant_id",
            "level",
            "legal_name",
            "completion_date",
            "issue_date",
            "revoked_at",
            "superseded_at",
            "superseded_by__issue_date",
            "issuer_name",
        )
        .first()
        if code and len(code) <= 64
        else None
    )
    if certificate is None:
        return {
            "status": CertificateStatus.NOT_FOUND.value,
            "status_label": "No certificate matches this code",
            "valid": False,
            "name": None,
            "level": None,
            "issuer": None,
            "completion_date": None,
            "issue_date": None,
            "revoked_on": None,
            "superseded_on": None,
            "maintenance": None,
        }
    status = certificate.status
    maintenance = maintenance_state(certificate.participant_id) if status == CertificateStatus.VALID else None
    return {
        "status": status,
        "status_label": CertificateStatus(status).label,
        "valid": status == CertificateStatus.VALID,
        "name": certificate.legal_name,
        "level": certificate.get_level_display(),
        "issuer": certificate.issuer_name,
        "completion_date": certificate.completion_date.isoformat(),
        "issue_date": certificate.issue_date.isoformat(),
        "revoked_on": certificate.revoked_at.date().isoformat() if certificate.revoked_at else None,
        "superseded_on": certificate.superseded_at.date().isoformat() if certificate.superseded_at else None,
        "maintenance": maintenance,
    }
