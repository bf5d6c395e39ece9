"""Staff pages: what the rules will do in the next 30/60/90 days, flagged Maintenance years, and
Re-Certification."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.access import staff_required
from accounts.errors import DomainError
from enrollment.models import Enrollment, Phase
from enrollment.selectors import get_enrollment_for_user

from .. import rules, selectors, services
from ..forms import ApproveForm, FlagDecisionForm
from ..models import RuleRun
from .participant import _error_text

PREVIEW_DAYS = (30, 60, 90)
PREVIEW_ROWS = 500


def preview_context(days: int) -> dict[str, Any]:
    today = timezone.localdate()
    as_of = today + timedelta(days=days)
    decisions = sorted(rules.evaluate(as_of), key=lambda d: (d.due_on, d.enrollment_id))
    counts = Counter(d.rule for d in decisions)
    return {
        "days": days,
        "choices": PREVIEW_DAYS,
        "today": today,
        "as_of": as_of,
        "decisions": decisions[:PREVIEW_ROWS],
        "truncated": len(decisions) > PREVIEW_ROWS,
        "total": len(decisions),
        "counts": [(info, counts.get(info.name, 0)) for info in rules.RULES],
        "overdue": sum(1 for d in decisions if d.due_on <= today),
    }


@staff_required
@require_safe
def preview(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    if days not in PREVIEW_DAYS:
        days = 30
    context = preview_context(days)
    context["runs"] = RuleRun.objects.filter(dry_run=False)[:10]
    return render(request, "maintenance/preview.html", context)


def home_panel_context(request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate()

    def next_30() -> list[tuple[str, int]]:
        decisions = rules.evaluate(today + timedelta(days=30))
        return [
            (rules.RULES_BY_NAME[name].description, n)
            for name, n in Counter(d.rule for d in decisions).most_common()
        ]

    # The home page must stay quick at any size: the 30-day outlook is kept for ten minutes.
    outlook = cache.get_or_set(f"maintenance:next30:{today.isoformat()}", next_30, timeout=600)
    return {
        "next_30": outlook,
        "flagged": selectors.flagged_maintenance_years().count(),
        "to_review": selectors.review_queue().count(),
    }


@staff_required
@require_safe
def flagged(request: HttpRequest) -> HttpResponse:
    years = list(selectors.flagged_maintenance_years()[:200])
    return render(request, "maintenance/flagged.html", {"years": years, "form": FlagDecisionForm()})


def _maintenance_year(request: HttpRequest, pk: int) -> Enrollment:
    enrollment = get_enrollment_for_user(request.user, pk)
    return enrollment


@staff_required
@require_POST
def flagged_decide(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = _maintenance_year(request, pk)
    form = FlagDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a decision and say why.")
        return redirect("maintenance:flagged")
    try:
        result = services.maintenance_decide_flagged(
            actor=request.user,
            enrollment=enrollment,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        if result.phase == Phase.MAINTENANCE and result.pk != enrollment.pk:
            messages.success(
                request, f"Renewed: {result.participant} starts Maintenance year {result.year_number}."
            )
        else:
            messages.success(
                request, f"{enrollment.participant} must complete Re-Certification before renewing."
            )
    return redirect("maintenance:flagged")


@staff_required
@require_safe
def recertifications(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "maintenance/recertifications.html",
        {**selectors.recertification_overview(), "form": ApproveForm()},
    )


@staff_required
@require_POST
def recertification_approve(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = _maintenance_year(request, pk)
    form = ApproveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        following = services.recertification_approve(actor=request.user, enrollment=enrollment, reason=reason)
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Approved: {following.participant} resumes Maintenance.")
    return redirect("maintenance:recertifications")
