"""The participant's pages: My certification, the application, requests to move on or for more time."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import participant_required
from accounts.errors import DomainError

from .. import selectors, services
from ..forms import ApplicationForm, ExtensionRequestForm, ProfileForm, TransitionRequestForm
from ..models import ApplicationStatus, Enrollment, EnrollmentStatus, Phase
from ..summary import certification_summary
from .common import attempt, error_text, form_errors


def home_panel_context(request: HttpRequest) -> dict[str, Any]:
    return certification_summary(request.user)


@participant_required
@require_safe
def my_certification(request: HttpRequest) -> HttpResponse:
    context = certification_summary(request.user)
    current = context["current"]
    if current is not None:
        context["transition_form"] = TransitionRequestForm(phases=context["current_info"]["next_phases"])
        context["extension_form"] = ExtensionRequestForm()
    return render(request, "enrollment/my_certification.html", context)


def _may_apply(user: Any) -> str:
    """Why the user cannot apply now ("" when they can)."""
    if (
        Enrollment.objects.filter(participant=user, phase=Phase.PHASE_1)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .exists()
    ):
        return "You already have a Phase I enrollment."
    return ""


@participant_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    refusal = _may_apply(user)
    if refusal:
        messages.info(request, refusal)
        return redirect("enrollment:my_certification")
    application = selectors.latest_application(user)
    profile = selectors.profile_of(user)
    form = ApplicationForm(request.POST or None, initial=ApplicationForm.initial_from(profile, user))
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(actor=user, participant=user, **form.service_kwargs())
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errs in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errs)
            else:
                form.add_error(None, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, "Your application is submitted. Staff will review it; you will hear by e-mail."
            )
            return redirect("enrollment:my_certification")
    return render(
        request,
        "enrollment/apply.html",
        {
            "form": form,
            "application": application,
            "open_statuses": (ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED),
        },
    )


def _own_enrollment(request: HttpRequest, pk: int) -> Enrollment:
    # Staff act on requests from the staff pages; here only the participant's own enrollment exists.
    enrollment = selectors.enrollments_of(request.user).filter(pk=pk).first()
    if enrollment is None:
        from django.http import Http404

        raise Http404("No such enrollment.")
    return enrollment


@participant_required
@require_POST
def request_transition(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = _own_enrollment(request, pk)
    phases = [(p, Phase(p).label) for p in services.PHASE_MOVES.get(enrollment.phase, ())]
    form = TransitionRequestForm(request.POST, phases=phases)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        attempt(
            request,
            lambda: services.transition_request_create(
                actor=request.user,
                enrollment=enrollment,
                to_phase=form.cleaned_data["to_phase"],
                reason=form.cleaned_data["reason"],
            ),
            "Your request to move on is sent to staff.",
        )
    return redirect("enrollment:my_certification")


@participant_required
@require_POST
def request_extension(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = _own_enrollment(request, pk)
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        try:
            services.extension_request_create(actor=request.user, enrollment=enrollment, **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Your request for more time is sent to staff.")
    return redirect("enrollment:my_certification")


@participant_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    current = selectors.profile_of(user)
    if current is None:
        messages.info(request, "Your profile is made when you apply for Phase I.")
        return redirect("enrollment:apply")
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_from(current, user))
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(actor=user, participant=user, **form.service_kwargs())
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errs in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errs)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("enrollment:my_certification")
    return render(request, "enrollment/profile.html", {"form": form})
