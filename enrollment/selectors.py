"""Reads about enrollments shared by pages, the API and other apps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.roles import Role, is_staff_member

from .models import (
    ENROLLED_STATUSES,
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    Enrollment,
    ExtensionRequest,
    Invoice,
    Organization,
    ParticipantProfile,
    Payment,
    ProgramPolicy,
    TransitionRequest,
    Waiver,
)

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=11, decimal_places=2))


def enrollments_of(user: Any) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(participant=user).select_related("policy").order_by("-start_date", "-id")


def current_enrollment(user: Any) -> Enrollment | None:
    """The participant's open enrollment (the newest if, unusually, there are several)."""
    return enrollments_of(user).filter(status__in=sorted(OPEN_STATUSES)).first()


def enrolled_enrollment(user: Any) -> Enrollment | None:
    """The enrollment that currently gives access (active, free extension or paid continuation)."""
    return enrollments_of(user).filter(status__in=sorted(ENROLLED_STATUSES)).first()


def enrollments_visible_to(user: Any) -> QuerySet[Enrollment]:
    qs = Enrollment.objects.select_related("participant", "policy")
    if is_staff_member(user):
        return qs
    return qs.filter(participant=user)


def get_enrollment_for_user(user: Any, pk: int) -> Enrollment:
    """An enrollment the user may see: their own, or any for staff. Anyone else's answers 404."""
    enrollment = enrollments_visible_to(user).filter(pk=pk).first()
    if enrollment is None:
        raise Http404("No such enrollment.")
    return enrollment


# --- Fees ------------------------------------------------------------------------------------------


def _sum_of(model: Any, *, money: str = "amount") -> Any:
    rows = (
        model.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum(money))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=DecimalField(max_digits=11, decimal_places=2)), ZERO)


def _balance() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("amount") - _sum_of(Payment) - _sum_of(Waiver),
        output_field=DecimalField(max_digits=11, decimal_places=2),
    )


def invoices_with_balance(qs: QuerySet[Invoice] | None = None) -> QuerySet[Invoice]:
    """Invoices annotated with paid, waived and balance (amount − paid − waived), in one query."""
    qs = Invoice.objects.all() if qs is None else qs
    return qs.annotate(paid=_sum_of(Payment), waived=_sum_of(Waiver), balance=_balance())


def invoices_with_balance_only(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Invoices annotated with their balance alone: for sorted pages of many invoices, where PostgreSQL
    would otherwise evaluate the paid and waived sums for every row before the sort, not just the page's."""
    return qs.annotate(balance=_balance())


def invoice_balance(invoice: Invoice) -> Decimal:
    row = (
        invoices_with_balance(Invoice.objects.filter(pk=invoice.pk)).values_list("balance", flat=True).first()  # type: ignore[misc]
    )
    return Decimal(row if row is not None else 0).quantize(Decimal("0.01"))


def participant_balance(user: Any) -> Decimal:
    total = invoices_with_balance(Invoice.objects.filter(participant=user)).aggregate(total=Sum("balance"))[
        "total"
    ]
    return Decimal(total or 0).quantize(Decimal("0.01"))


def invoices_visible_to(user: Any) -> QuerySet[Invoice]:
    qs = invoices_with_balance(
        Invoice.objects.select_related("participant", "enrollment").prefetch_related("payments", "waivers")
    )
    if is_staff_member(user):
        return qs
    return qs.filter(participant=user)


def get_invoice_for_user(user: Any, pk: int) -> Invoice:
    invoice = invoices_visible_to(user).filter(pk=pk).first()
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


def invoices_of(user: Any) -> QuerySet[Invoice]:
    return invoices_with_balance(Invoice.objects.filter(participant=user).select_related("enrollment"))


# --- Applications and requests ---------------------------------------------------------------------


def applications_visible_to(user: Any) -> QuerySet[Application]:
    qs = Application.objects.select_related("participant", "participant__profile", "decided_by", "enrollment")
    if is_staff_member(user):
        return qs
    return qs.filter(participant=user)


def get_application_for_user(user: Any, pk: int) -> Application:
    application = applications_visible_to(user).filter(pk=pk).first()
    if application is None:
        raise Http404("No such application.")
    return application


def latest_application(user: Any) -> Application | None:
    return Application.objects.filter(participant=user).order_by("-submitted_at", "-id").first()


def applications_for_review(status: str = "") -> QuerySet[Application]:
    qs = Application.objects.select_related("participant", "participant__profile").order_by(
        "submitted_at", "id"
    )
    if status:
        return qs.filter(status=status)
    return qs.filter(status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED])


def transition_requests_visible_to(user: Any) -> QuerySet[TransitionRequest]:
    qs = TransitionRequest.objects.select_related(
        "enrollment", "enrollment__participant", "enrollment__policy", "requested_by", "decided_by"
    )
    if is_staff_member(user):
        return qs
    return qs.filter(enrollment__participant=user)


def get_transition_request_for_user(user: Any, pk: int) -> TransitionRequest:
    found = transition_requests_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such transition request.")
    return found


def extension_requests_visible_to(user: Any) -> QuerySet[ExtensionRequest]:
    qs = ExtensionRequest.objects.select_related(
        "enrollment", "enrollment__participant", "enrollment__policy", "requested_by", "decided_by"
    )
    if is_staff_member(user):
        return qs
    return qs.filter(enrollment__participant=user)


def get_extension_request_for_user(user: Any, pk: int) -> ExtensionRequest:
    found = extension_requests_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such extension request.")
    return found


# --- People and organizations ----------------------------------------------------------------------


def profile_of(user: Any) -> ParticipantProfile | None:
    return (
        ParticipantProfile.objects.filter(user=user)
        .select_related("organization")
        .prefetch_related("degrees", "licenses")
        .first()
    )


def participants_visible_to(user: Any) -> QuerySet[Any]:
    """People with the participant role (and anyone with a profile or an enrollment): all for staff,
    oneself for a participant."""
    User = get_user_model()
    qs = (
        User.objects.filter(Q(groups__name=Role.PARTICIPANT) | Q(profile__isnull=False))
        .distinct()
        .select_related("profile", "profile__organization")
        .order_by("last_name", "first_name", "email")
    )
    if is_staff_member(user):
        return qs
    return qs.filter(pk=user.pk)


def get_participant_for_user(user: Any, pk: int) -> Any:
    found = participants_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such participant.")
    return found


def active_policy() -> ProgramPolicy | None:
    today = timezone.localdate()
    return (
        ProgramPolicy.objects.filter(is_active=True, effective_from__lte=today)
        .order_by("-effective_from")
        .first()
        or ProgramPolicy.objects.filter(is_active=True).order_by("effective_from").first()
    )


def organizations_with_counts() -> QuerySet[Organization]:
    """Every organization with `clinician_count`, `threshold` (the active policy's Site Training
    Certification size) and `site_candidate` (count ≥ threshold)."""
    policy = active_policy()
    threshold = policy.site_certification_threshold if policy else 0
    return (
        Organization.objects.annotate(clinician_count=Count("participants", distinct=True))
        .annotate(
            threshold=Value(threshold, output_field=IntegerField()),
            site_candidate=ExpressionWrapper(
                Q(clinician_count__gte=threshold) & Q(clinician_count__gt=0), output_field=BooleanField()
            ),
        )
        .order_by("-clinician_count", "name")
    )


def organizations_near_site_threshold(*, margin: int = 0) -> QuerySet[Organization]:
    """Organizations whose clinicians number at least the policy's site_certification_threshold minus
    `margin` (0: the candidates for Site Training Certification), annotated as in organizations_with_counts."""
    qs = organizations_with_counts()
    policy = active_policy()
    if policy is None:
        return qs.none()
    return qs.filter(
        # type: ignore[misc]
        clinician_count__gte=max(1, policy.site_certification_threshold - margin)
    )


def invoice_with_balance(invoice: Invoice) -> Invoice:
    """The same invoice re-read with its paid, waived and balance annotations."""
    return invoices_with_balance(Invoice.objects.filter(pk=invoice.pk)).get()
