"""Pages: my reports and balance, the staff ledger, the Fidelity Exercise for staff and clinicians."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import login_required, participant_required, staff_required
from accounts.errors import DomainError

from . import selectors, services
from .forms import AdjustForm, ExerciseForm, PublishForm, RefundForm, ReportForm
from .models import LedgerKind, ReportSource


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@participant_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_reports(request: HttpRequest) -> HttpResponse:
    access = selectors.access_for(request.user)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_record(
                actor=request.user,
                participant=request.user,
                source=ReportSource.PARTICIPANT,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            spent = " One token was used." if report.token_required else ""
            messages.success(request, f"{report} recorded.{spent}")
            return redirect("metrics_tokens:my_reports")
    page = Paginator(selectors.reports_of(request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "metrics_tokens/my_reports.html",
        {"form": form, "page": page, "access": access},
        status=400 if request.method == "POST" else 200,
    )


@participant_required
@require_safe
def my_balance(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "metrics_tokens/my_balance.html",
        {"access": selectors.access_for(request.user), "lines": selectors.ledger_history(request.user)},
    )


@staff_required
@require_safe
def staff_ledger(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    page = Paginator(selectors.token_accounts_for_staff(search), 50).get_page(request.GET.get("page"))
    recent = selectors.ledger_entries_visible_to(request.user).filter(
        kind__in=[LedgerKind.GRANT, LedgerKind.ADJUSTMENT, LedgerKind.REFUND, LedgerKind.EXPIRE]
    )[:20]
    return render(
        request, "metrics_tokens/staff_ledger.html", {"page": page, "search": search, "recent": recent}
    )


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_participant(request: HttpRequest, pk: int) -> HttpResponse:
    participant = selectors.get_participant_for_staff(request.user, pk)
    form = AdjustForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tokens_adjust(actor=request.user, participant=participant, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Ledger entry added.")
            return redirect("metrics_tokens:staff_participant", pk=participant.pk)
    return render(
        request,
        "metrics_tokens/staff_participant.html",
        {
            "participant": participant,
            "access": selectors.access_for(participant),
            "lines": selectors.ledger_history(participant),
            "reports": selectors.reports_of(participant)[:50],
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def staff_refund(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.ledger_entries_visible_to(request.user).filter(pk=pk).first()
    if entry is None:
        raise Http404
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the refund.")
    else:
        try:
            services.tokens_refund(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
        except (DomainError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))  # type: ignore[union-attr]
        else:
            messages.success(request, "The token was given back.")
    return redirect("metrics_tokens:staff_participant", pk=entry.account.participant_id)


# --- Fidelity Exercise -----------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def fidelity_staff(request: HttpRequest) -> HttpResponse:
    form = ExerciseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            exercise = services.fidelity_exercise_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{exercise} created and assigned.")
            return redirect("metrics_tokens:fidelity_staff_detail", pk=exercise.pk)
    return render(
        request,
        "metrics_tokens/fidelity_staff.html",
        {"form": form, "exercises": selectors.exercises()},
        status=400 if request.method == "POST" else 200,
    )


def _exercise_detail(request: HttpRequest, exercise: Any, form: Any, status: int = 200) -> HttpResponse:
    rows = [(a, selectors.assignment_status(a)) for a in selectors.assignments_of_exercise(exercise)]
    missing = [a for a, s in rows if a.submitted_at is None]
    return render(
        request,
        "metrics_tokens/fidelity_staff_detail.html",
        {
            "exercise": exercise,
            "rows": rows,
            "missing": missing,
            "form": form,
            "labels": selectors.FIDELITY_LABELS,
        },
        status=status,
    )


@staff_required
@require_safe
def fidelity_staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _exercise_detail(request, selectors.get_exercise(pk), PublishForm())


@staff_required
@require_POST
def fidelity_publish(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = selectors.get_exercise(pk)
    form = PublishForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.fidelity_publish_results(actor=request.user, exercise=exercise, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Results published: clinicians can now self-score.")
            return redirect("metrics_tokens:fidelity_staff_detail", pk=exercise.pk)
    return _exercise_detail(request, exercise, form, status=400)


@participant_required
@require_safe
def my_fidelity(request: HttpRequest) -> HttpResponse:
    rows = [(a, selectors.assignment_status(a)) for a in selectors.assignments_of(request.user)]
    return render(
        request,
        "metrics_tokens/my_fidelity.html",
        {"rows": rows, "labels": selectors.FIDELITY_LABELS, "access": selectors.access_for(request.user)},
    )


@participant_required
@require_POST
def fidelity_self_scored(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.get_assignment_for_user(request.user, pk)
    if assignment.participant_id != request.user.pk:
        raise Http404  # staff do not self-score for someone else
    try:
        services.fidelity_mark_self_scored(actor=request.user, assignment=assignment)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Self-scoring marked done. It counts toward your requirements.")
    return redirect("metrics_tokens:my_fidelity")


@login_required  # type: ignore[arg-type]  # a FileResponse: HttpResponseBase, not HttpResponse
@require_safe
def fidelity_file(request: HttpRequest, pk: int, which: str) -> HttpResponseBase:
    exercise = selectors.get_exercise_for_file(request.user, pk)
    if which == "case-abstract":
        field = exercise.case_abstract
    elif which == "scored-report" and exercise.is_published:
        field = exercise.scored_report
    else:
        raise Http404
    if not field:
        raise Http404
    return FileResponse(field.open("rb"), as_attachment=True, filename=field.name.rsplit("/", 1)[-1])


def home_panel_context(request: HttpRequest) -> dict[str, Any]:
    assignment = selectors.current_assignment(request.user)
    return {
        "access": selectors.access_for(request.user),
        "recent_reports": list(selectors.reports_of(request.user)[:3]),
        "fidelity": assignment,
        "fidelity_labels": selectors.FIDELITY_LABELS,
        "fidelity_status": selectors.assignment_status(assignment) if assignment else None,
    }
