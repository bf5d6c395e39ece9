"""Participant pages: my Maintenance (status, renewal, Re-Certification) and the reminders sent to me."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.access import participant_required
from accounts.errors import DomainError
from enrollment.models import Enrollment, EnrollmentStatus, Phase

from .. import selectors, services


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(getattr(exc, "message", exc))


def overview_context(user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    latest = selectors.latest_maintenance(user)
    training = (
        Enrollment.objects.filter(participant=user, phase__in=[Phase.PHASE_1, Phase.PHASE_2])
        .select_related("policy")
        .order_by("-start_date", "-id")
        .first()
    )
    context: dict[str, Any] = {
        "latest": latest,
        "training": training,
        "recertification_reason": selectors.recertification_required(user),
        "today": today,
        "reminders": selectors.reminders_of(user)[:5],
    }
    if latest is not None and latest.phase == Phase.MAINTENANCE:
        context["renewal_blockers"] = services.renewal_blockers(latest, today)
        context["renewal_opens_on"] = services.renewal_opens_on(latest)
        if latest.status == EnrollmentStatus.RENEWAL_DUE:
            context["renewal_deadline"] = services.renewal_deadline(latest)
    if latest is not None and latest.phase == Phase.RECERTIFICATION and latest.is_open:
        context["recertification"] = latest
    return context


@participant_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "maintenance/overview.html", overview_context(request.user))


@participant_required
@require_POST
def renew(request: HttpRequest) -> HttpResponse:
    latest = selectors.latest_maintenance(request.user)
    if latest is None or latest.phase != Phase.MAINTENANCE:
        messages.error(request, "You have no Maintenance year to renew.")
        return redirect("maintenance:overview")
    try:
        following = services.maintenance_renew(actor=request.user, enrollment=latest)
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            f"Renewed: Maintenance year {following.year_number} starts on {following.start_date:%-d %B %Y}. "
            "Your invoice is issued.",
        )
    return redirect("maintenance:overview")


@participant_required
@require_POST
def recertification_start(request: HttpRequest) -> HttpResponse:
    try:
        enrollment = services.recertification_start(actor=request.user, participant=request.user)
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            f"Re-Certification started; it runs until {enrollment.term_end - timedelta(days=1):%-d %B %Y} "
            "with no extensions. "
            "Your invoice is issued.",
        )
    return redirect("maintenance:overview")


@participant_required
@require_safe
def reminders(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.reminders_of(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "maintenance/reminders.html", {"page": page})


def home_panel_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    latest = selectors.latest_maintenance(user)
    return {
        "latest": latest,
        "recertification_reason": selectors.recertification_required(user),
        "last_reminder": selectors.reminders_of(user).first(),
    }
