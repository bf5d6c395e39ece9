"""Staff pages: application review, participants (profile, enrollments, fees), transitions, extensions,
organizations. Every page and action needs staff with MFA (`staff_required`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from accounts.access import staff_required
from accounts.selectors import audit_entries_for_subject

from .. import selectors, services
from ..forms import (
    GrantExtensionForm,
    InfoRequestForm,
    InvoiceForm,
    PaymentForm,
    ReasonForm,
    StartDateForm,
    WaiverForm,
)
from ..models import ApplicationStatus, Invoice, Payment, RequestStatus, Waiver
from ..services.transitions import free_extension_left
from .common import attempt, back, form_errors

# --- Applications -----------------------------------------------------------------------------------


@staff_required
@require_safe
def applications(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ApplicationStatus.values:
        status = ""
    page = Paginator(selectors.applications_for_review(status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enrollment/staff/applications.html",
        {"page": page, "status": status, "statuses": ApplicationStatus.choices},
    )


@staff_required
@require_safe
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_user(request.user, pk)
    profile = selectors.profile_of(application.participant)
    return render(
        request,
        "enrollment/staff/application.html",
        {
            "application": application,
            "profile": profile,
            "start_form": StartDateForm(),
            "reason_form": ReasonForm(),
            "info_form": InfoRequestForm(),
        },
    )


@staff_required
@require_POST
def application_approve(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_user(request.user, pk)
    form = StartDateForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.application_approve(
                actor=request.user, application=application, start_date=form.cleaned_data["start_date"]
            ),
            f"Approved: {application.participant} starts Phase I.",
        )
    else:
        messages.error(request, form_errors(form))
    return back(request, "enrollment:staff_application", pk=pk)


@staff_required
@require_POST
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_user(request.user, pk)
    attempt(
        request,
        lambda: services.application_reject(
            actor=request.user, application=application, reason=request.POST.get("reason", "")
        ),
        "Application rejected; the applicant is told by e-mail.",
    )
    return back(request, "enrollment:staff_application", pk=pk)


@staff_required
@require_POST
def application_request_info(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_user(request.user, pk)
    attempt(
        request,
        lambda: services.application_request_info(
            actor=request.user, application=application, message=request.POST.get("message", "")
        ),
        "Asked the applicant for more information.",
    )
    return back(request, "enrollment:staff_application", pk=pk)


# --- Participants -------------------------------------------------------------------------------------


@staff_required
@require_safe
def participants(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    qs = selectors.participants_visible_to(request.user)
    if q:
        qs = qs.filter(
            Q(email__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(profile__legal_name__icontains=q)
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    current = {
        e.participant_id: e
        for e in selectors.enrollments_visible_to(request.user)
        .filter(participant__in=[u.pk for u in page], status__in=sorted(selectors.OPEN_STATUSES))
        .order_by("start_date")
    }
    rows = [(u, current.get(u.pk)) for u in page]
    return render(request, "enrollment/staff/participants.html", {"page": page, "rows": rows, "q": q})


@staff_required
@require_safe
def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_participant_for_user(request.user, pk)
    invoices = list(
        selectors.invoices_of(person).prefetch_related(
            Prefetch("payments", queryset=Payment.objects.order_by("paid_on", "id")),
            Prefetch("waivers", queryset=Waiver.objects.order_by("at", "id")),
        )
    )
    enrollments = list(selectors.enrollments_of(person).prefetch_related("policy__phase_rules"))
    for e in enrollments:
        e.free_left = free_extension_left(e) if e.is_open else 0  # type: ignore[attr-defined]
        e.unapplied_continuations = [  # type: ignore[attr-defined]
            i
            for i in invoices
            if i.kind == "continuation_fee" and i.enrollment_id == e.pk and i.continuation_recorded_at is None
        ]
    return render(
        request,
        "enrollment/staff/participant.html",
        {
            "person": person,
            "profile": selectors.profile_of(person),
            "enrollments": enrollments,
            "invoices": invoices,
            "balance": sum((i.balance for i in invoices), Decimal("0.00")),  # type: ignore[attr-defined]
            "applications": selectors.applications_visible_to(request.user)
            .filter(participant=person)
            .order_by("-submitted_at"),
            "transitions": selectors.transition_requests_visible_to(request.user).filter(
                enrollment__participant=person
            ),
            "extensions": selectors.extension_requests_visible_to(request.user).filter(
                enrollment__participant=person
            ),
            "audit": audit_entries_for_subject(person, limit=30),
            "invoice_form": InvoiceForm(),
            "payment_form": PaymentForm(),
            "waiver_form": WaiverForm(),
            "extension_form": GrantExtensionForm(),
        },
    )


@staff_required
@require_POST
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_participant_for_user(request.user, pk)
    form = InvoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        attempt(
            request,
            lambda: services.invoice_issue(actor=request.user, participant=person, **form.cleaned_data),
            "Invoice recorded.",
        )
    return back(request, "enrollment:staff_participant", pk=pk)


def _invoice(request: HttpRequest, pk: int) -> Invoice:
    return selectors.get_invoice_for_user(request.user, pk)


@staff_required
@require_POST
def payment_record(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        attempt(
            request,
            lambda: services.payment_record(actor=request.user, invoice=invoice, **form.cleaned_data),
            "Payment recorded.",
        )
    return back(request, "enrollment:staff_participant", pk=invoice.participant_id)


@staff_required
@require_POST
def invoice_waive(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    form = WaiverForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        attempt(
            request,
            lambda: services.invoice_waive(actor=request.user, invoice=invoice, **form.cleaned_data),
            "Waiver recorded.",
        )
    return back(request, "enrollment:staff_participant", pk=invoice.participant_id)


@staff_required
@require_POST
def extension_grant(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = selectors.get_enrollment_for_user(request.user, pk)
    form = GrantExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        attempt(
            request,
            lambda: services.enrollment_grant_free_extension(
                actor=request.user, enrollment=enrollment, **form.cleaned_data
            ),
            "Free extension granted.",
        )
    return back(request, "enrollment:staff_participant", pk=enrollment.participant_id)


@staff_required
@require_POST
def continuation_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = selectors.get_enrollment_for_user(request.user, pk)
    attempt(
        request,
        lambda: services.enrollment_issue_continuation_invoice(actor=request.user, enrollment=enrollment),
        "Continuation fee recorded as due.",
    )
    return back(request, "enrollment:staff_participant", pk=enrollment.participant_id)


@staff_required
@require_POST
def continuation_record(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = selectors.get_enrollment_for_user(request.user, pk)
    invoice_id = request.POST.get("invoice", "")
    invoice = (
        selectors.invoices_visible_to(request.user)
        .filter(pk=int(invoice_id) if invoice_id.isdigit() else 0)
        .first()
    )
    if invoice is None:
        messages.error(request, "Choose the continuation fee invoice.")
    else:
        attempt(
            request,
            lambda: services.enrollment_record_continuation(
                actor=request.user, enrollment=enrollment, invoice=invoice
            ),
            "Continuation recorded: the paid time is added.",
        )
    return back(request, "enrollment:staff_participant", pk=enrollment.participant_id)


@staff_required
@require_POST
def enrollment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = selectors.get_enrollment_for_user(request.user, pk)
    attempt(
        request,
        lambda: services.enrollment_withdraw(
            actor=request.user, enrollment=enrollment, reason=request.POST.get("reason", "")
        ),
        "Enrollment withdrawn.",
    )
    return back(request, "enrollment:staff_participant", pk=enrollment.participant_id)


# --- Transitions and extension requests -------------------------------------------------------------------


@staff_required
@require_safe
def transitions(request: HttpRequest) -> HttpResponse:
    pending = selectors.transition_requests_visible_to(request.user).filter(status=RequestStatus.PENDING)
    rows = []
    for r in pending:
        rows.append((r, services.completion_problems(r.enrollment)))
    decided = (
        selectors.transition_requests_visible_to(request.user)
        .exclude(status=RequestStatus.PENDING)
        .order_by("-decided_at")[:20]
    )
    return render(
        request,
        "enrollment/staff/transitions.html",
        {"rows": rows, "decided": decided, "start_form": StartDateForm()},
    )


@staff_required
@require_POST
def transition_approve(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_transition_request_for_user(request.user, pk)
    form = StartDateForm(request.POST)
    start = form.cleaned_data["start_date"] if form.is_valid() else None
    attempt(
        request,
        lambda: services.transition_request_approve(
            actor=request.user, transition_request=found, start_date=start
        ),
        f"Approved: {found.enrollment.participant} moves on to {found.get_to_phase_display()}.",
    )
    return back(request, "enrollment:staff_transitions")


@staff_required
@require_POST
def transition_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_transition_request_for_user(request.user, pk)
    attempt(
        request,
        lambda: services.transition_request_refuse(
            actor=request.user, transition_request=found, reason=request.POST.get("reason", "")
        ),
        "Request refused; the participant is told by e-mail.",
    )
    return back(request, "enrollment:staff_transitions")


@staff_required
@require_safe
def extensions(request: HttpRequest) -> HttpResponse:
    pending = list(selectors.extension_requests_visible_to(request.user).filter(status=RequestStatus.PENDING))
    for r in pending:
        r.free_left = free_extension_left(r.enrollment)  # type: ignore[attr-defined]
    decided = (
        selectors.extension_requests_visible_to(request.user)
        .exclude(status=RequestStatus.PENDING)
        .order_by("-decided_at")[:20]
    )
    return render(request, "enrollment/staff/extensions.html", {"pending": pending, "decided": decided})


@staff_required
@require_POST
def extension_request_grant(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_extension_request_for_user(request.user, pk)
    attempt(
        request,
        lambda: services.extension_request_grant(
            actor=request.user,
            extension_request=found,
            months=request.POST.get("months") or None,
            reason=request.POST.get("reason", ""),
        ),
        "Free extension granted.",
    )
    return back(request, "enrollment:staff_extensions")


@staff_required
@require_POST
def extension_request_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_extension_request_for_user(request.user, pk)
    attempt(
        request,
        lambda: services.extension_request_refuse(
            actor=request.user, extension_request=found, reason=request.POST.get("reason", "")
        ),
        "Request refused; the participant is told by e-mail.",
    )
    return back(request, "enrollment:staff_extensions")


@staff_required
@require_safe
def organizations(request: HttpRequest) -> HttpResponse:
    policy = selectors.active_policy()
    return render(
        request,
        "enrollment/staff/organizations.html",
        {"organizations": selectors.organizations_with_counts(), "policy": policy},
    )


def queues_context(request: HttpRequest) -> dict[str, Any]:
    """Home panel for staff: how many items wait in each queue."""
    return {
        "waiting_applications": selectors.applications_for_review(ApplicationStatus.SUBMITTED).count(),
        "waiting_transitions": selectors.transition_requests_visible_to(request.user)
        .filter(status=RequestStatus.PENDING)
        .count(),
        "waiting_extensions": selectors.extension_requests_visible_to(request.user)
        .filter(status=RequestStatus.PENDING)
        .count(),
        "site_candidates": selectors.organizations_near_site_threshold().count(),
    }
