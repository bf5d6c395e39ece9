"""Trainer presentations: submit, resubmit, log as delivered; staff review. Slides are private files:
served only to their trainer and staff, as a download."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import login_required, role_required, staff_required
from accounts.errors import DomainError
from accounts.roles import Role, is_staff_member

from .. import selectors, services
from ..forms import DeliveredForm, PresentationForm, ReviewForm
from ..models import PresentationStatus
from .participant import _error_text

trainer_required = role_required(Role.TRAINER, mfa=False)


def _apply_errors(form: object, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)  # type: ignore[attr-defined]
    else:
        form.add_error(None, _error_text(exc))  # type: ignore[attr-defined]


@trainer_required
@require_http_methods(["GET", "HEAD", "POST"])
def presentations(request: HttpRequest) -> HttpResponse:
    form = PresentationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            presentation = services.presentation_submit(actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"“{presentation.title}” is submitted for NMN review.")
            return redirect("maintenance:presentation_detail", pk=presentation.pk)
    mine = selectors.presentations_visible_to(request.user).filter(trainer=request.user.pk)
    page = Paginator(mine, 25).get_page(request.GET.get("page"))
    return render(request, "maintenance/presentations.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def presentation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    presentation = selectors.get_presentation_for_user(request.user, pk)
    own = presentation.trainer_id == request.user.pk
    edit_form = None
    if own and presentation.status == PresentationStatus.RETURNED:
        initial = {k: getattr(presentation, k) for k in ("title", "audience", "planned_on", "venue")}
        edit_form = PresentationForm(
            request.POST or None, request.FILES or None, initial=initial, slides_required=False
        )
        if request.method == "POST" and edit_form.is_valid():
            try:
                services.presentation_resubmit(
                    actor=request.user, presentation=presentation, **edit_form.cleaned_data
                )
            except (DomainError, ValidationError) as exc:
                _apply_errors(edit_form, exc)
            else:
                messages.success(request, "Resubmitted for NMN review.")
                return redirect("maintenance:presentation_detail", pk=pk)
    elif request.method == "POST":
        messages.error(request, "Only a returned presentation can be edited, by its trainer.")
        return redirect("maintenance:presentation_detail", pk=pk)
    context = {
        "presentation": presentation,
        "own": own,
        "edit_form": edit_form,
        "delivered_form": DeliveredForm()
        if own and presentation.status == PresentationStatus.APPROVED
        else None,
        "review_form": ReviewForm()
        if is_staff_member(request.user) and presentation.status == PresentationStatus.SUBMITTED
        else None,
    }
    return render(request, "maintenance/presentation_detail.html", context)


@login_required  # type: ignore[arg-type]
@require_safe
def presentation_slides(request: HttpRequest, pk: int) -> FileResponse:
    presentation = selectors.get_presentation_for_user(request.user, pk)
    return FileResponse(presentation.slides.open("rb"), as_attachment=True, filename=presentation.slides_name)


@login_required
@require_POST
def presentation_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    presentation = selectors.get_presentation_for_user(request.user, pk)
    form = DeliveredForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the date it was given; attendees must be a number.")
        return redirect("maintenance:presentation_detail", pk=pk)
    try:
        services.presentation_log_delivered(
            actor=request.user,
            presentation=presentation,
            delivered_on=form.cleaned_data["delivered_on"],
            attendees=form.cleaned_data["attendees"],
            notes=form.cleaned_data["notes"],
        )
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Logged as delivered: it counts toward your Maintenance activities.")
    return redirect("maintenance:presentation_detail", pk=pk)


@login_required
@require_POST
def presentation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    presentation = selectors.get_presentation_for_user(request.user, pk)
    try:
        services.presentation_withdraw(actor=request.user, presentation=presentation)
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Withdrawn.")
    return redirect("maintenance:presentation_detail", pk=pk)


@staff_required
@require_POST
def presentation_review(request: HttpRequest, pk: int) -> HttpResponse:
    presentation = selectors.get_presentation_for_user(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or return.")
        return redirect("maintenance:presentation_detail", pk=pk)
    try:
        services.presentation_review(
            actor=request.user,
            presentation=presentation,
            approve=form.cleaned_data["decision"] == "approve",
            comments=form.cleaned_data["comments"],
        )
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect("maintenance:presentation_detail", pk=pk)
    messages.success(request, "Review saved; the trainer is told by e-mail.")
    return redirect("maintenance:presentation_queue")


@staff_required
@require_safe
def presentation_queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.review_queue(), 25).get_page(request.GET.get("page"))
    recent = selectors.presentations_visible_to(request.user).exclude(status=PresentationStatus.SUBMITTED)
    return render(request, "maintenance/presentation_queue.html", {"page": page, "recent": recent[:20]})


def home_panel_context(request: HttpRequest) -> dict[str, object]:
    mine = selectors.presentations_visible_to(request.user).filter(trainer=request.user.pk)
    return {
        "upcoming": list(
            mine.filter(
                status__in=[
                    PresentationStatus.SUBMITTED,
                    PresentationStatus.APPROVED,
                    PresentationStatus.RETURNED,
                ]
            ).order_by("planned_on", "id")[:5]
        ),
        "delivered_count": mine.filter(status=PresentationStatus.DELIVERED).count(),
    }
