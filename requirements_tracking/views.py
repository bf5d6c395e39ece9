"""Checklist pages: the participant's checklist, recording and undoing entries, evidence, signing, the
integrity check, staff review, the PDF and the policy agreement. Calls and calendar: views_calls."""

from __future__ import annotations

from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import login_required, needs_mfa_setup, participant_required, staff_required
from accounts.errors import DomainError, NotAllowed
from accounts.request_context import client_ip
from accounts.roles import has_role, is_staff_member
from enrollment.selectors import current_enrollment, enrollments_of, get_enrollment_for_user

from . import selectors, services
from .evidence import max_evidence_bytes
from .forms import AgreementForm, EntryForm, ReviewForm, SignForm
from .integrity import verify_integrity
from .models import MANUAL_KINDS, ChecklistStatus, Kind


def _today(request: HttpRequest) -> Any:
    return services.today_for(request.user)


def _progress_day(request: HttpRequest) -> Any:
    return services.progress_day(request.user)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def home_panel_context(request: HttpRequest) -> dict[str, Any]:
    agreement, signature = selectors.agreement_state(request.user)
    context: dict[str, Any] = {
        "progress": None,
        "agreement_unsigned": agreement is not None and signature is None,
    }
    enrollment = current_enrollment(request.user)
    if enrollment is not None:
        context["progress"] = selectors.progress_for_enrollments([enrollment], _progress_day(request))[
            enrollment.pk
        ]
        context["enrollment"] = enrollment
    return context


@participant_required
@require_safe
def my_checklist(request: HttpRequest) -> HttpResponse:
    enrollment = current_enrollment(request.user)
    if enrollment is None:
        return render(request, "requirements_tracking/no_enrollment.html")
    checklist = selectors.current_checklist(enrollment)
    if checklist is None:  # the enrollment's page offers to open it
        return redirect("requirements_tracking:enrollment_checklist", pk=enrollment.pk)
    return redirect("requirements_tracking:checklist_detail", pk=checklist.pk)


@participant_required
@require_safe
def my_checklists(request: HttpRequest) -> HttpResponse:
    """Every checklist of the participant's enrollments (past phases too), newest first."""
    enrollments = list(enrollments_of(request.user))
    progress = selectors.progress_for_enrollments(enrollments, _progress_day(request))
    rows = [(e, progress[e.pk]) for e in enrollments]
    return render(request, "requirements_tracking/my_checklists.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def enrollment_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """The current checklist of an enrollment: for its participant and staff. Other apps link here
    from an enrollment. An enrollment without one yet (see `selectors.current_checklist`) gets a
    button that opens it (POST): looking changes nothing."""
    enrollment = get_enrollment_for_user(request.user, pk)
    if enrollment.participant_id != request.user.pk and needs_mfa_setup(request.user):
        raise Http404("No such enrollment.")
    if request.method == "POST":
        return redirect("requirements_tracking:checklist_detail", pk=selectors.checklist_for(enrollment).pk)
    checklist = selectors.current_checklist(enrollment)
    if checklist is None:
        return render(request, "requirements_tracking/checklist_missing.html", {"enrollment": enrollment})
    return redirect("requirements_tracking:checklist_detail", pk=checklist.pk)


def _detail_context(request: HttpRequest, checklist: Any) -> dict[str, Any]:
    progress = selectors.checklist_progress(checklist, _progress_day(request))
    entries = selectors.entries_by_requirement(checklist)
    rows = {r.pk: r for r in checklist.requirements.all()}
    blocks = []
    for item in progress.items:
        row = rows[item.requirement_id] if item.requirement_id else None
        recorded = entries.get(item.requirement_id or 0, [])
        taken = {e.number for e in recorded}
        choices: list[tuple[int, str]] = []
        if row is not None and row.kind in MANUAL_KINDS:
            limit = len(row.item_labels) if row.kind == Kind.ITEMS else row.target
            choices = [(n, row.label_for(n)) for n in range(1, limit + 1) if n not in taken]
        blocks.append({"item": item, "row": row, "entries": recorded, "choices": choices})
    is_owner = checklist.enrollment.participant_id == request.user.pk
    return {
        "checklist": checklist,
        "enrollment": checklist.enrollment,
        "progress": progress,
        "blocks": blocks,
        "is_owner": is_owner,
        "can_edit": is_owner and checklist.status == ChecklistStatus.OPEN,
        "is_staff": is_staff_member(request.user),
        "versions": selectors.versions_of(checklist),
        "today": _today(request),
        "review_form": ReviewForm(),
        "max_mb": max_evidence_bytes() // 1048576,
    }


@login_required
@require_safe
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = selectors.get_checklist_for_user(request.user, pk)
    return render(request, "requirements_tracking/checklist_detail.html", _detail_context(request, checklist))


@login_required
@require_POST
def entry_record(request: HttpRequest, pk: int, rpk: int) -> HttpResponse:
    requirement = selectors.get_requirement_for_user(request.user, pk, rpk)
    form = EntryForm(request.POST, request.FILES)
    target = reverse("requirements_tracking:checklist_detail", args=[pk]) + f"#req-{rpk}"
    if not form.is_valid():
        messages.error(request, f"{requirement.name}: " + _error_text(ValidationError(form.errors)))
        return redirect(target)
    try:
        entry = services.entry_record(actor=request.user, requirement=requirement, **form.cleaned_data)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationError as exc:
        messages.error(request, f"{requirement.name}: {_error_text(exc)}")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Recorded: {requirement.name}, {requirement.label_for(entry.number)}.")
    return redirect(target)


@login_required
@require_POST
def entry_undo(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.get_entry_for_user(request.user, pk)
    checklist = entry.requirement.checklist
    try:
        services.entry_undo(actor=request.user, entry=entry)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Undone: {entry.requirement.name}, {entry.requirement.label_for(entry.number)}."
        )
    return redirect(
        reverse("requirements_tracking:checklist_detail", args=[checklist.pk])
        + f"#req-{entry.requirement_id}"
    )


@login_required
@require_safe
def entry_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence file, to its owner, the mentors of their study group, and staff."""
    entry = selectors.get_entry_for_user(request.user, pk)
    if not entry.evidence:
        raise Http404("No evidence file.")
    response: Any = FileResponse(
        entry.evidence.open("rb"), content_type=entry.evidence_type or "application/octet-stream"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="evidence-{entry.pk}{_suffix(entry.evidence.name)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def checklist_sign(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = selectors.get_checklist_for_user(request.user, pk)
    if checklist.enrollment.participant_id != request.user.pk:
        raise PermissionDenied("Only the participant signs their checklist.")
    if checklist.status != ChecklistStatus.OPEN:
        messages.info(request, "This checklist is already signed.")
        return redirect("requirements_tracking:checklist_detail", pk=pk)
    attestation = services.current_attestation()
    needs_mfa = is_mfa_enabled(request.user)
    form = SignForm(
        request.POST or None, needs_mfa=needs_mfa, initial={"attestation_version": attestation.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_sign(
                actor=request.user,
                checklist=checklist,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
                mfa_code=form.cleaned_data.get("mfa_code", ""),
                attestation_version=form.cleaned_data["attestation_version"],
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your checklist is signed. NMN staff will verify it.")
            return redirect("requirements_tracking:checklist_detail", pk=pk)
    context = _detail_context(request, checklist)
    context.update(
        {
            "form": form,
            "attestation": attestation,
            "expected_name": services.expected_signer_name(request.user),
        }
    )
    return render(request, "requirements_tracking/checklist_sign.html", context)


@login_required
@require_safe
def checklist_integrity(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = selectors.get_checklist_for_user(request.user, pk)
    report = verify_integrity(checklist)
    return render(
        request, "requirements_tracking/checklist_integrity.html", {"checklist": checklist, "report": report}
    )


@staff_required
@require_POST
def checklist_review(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = selectors.get_checklist_for_user(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _error_text(ValidationError(form.errors)))
        return redirect("requirements_tracking:checklist_detail", pk=pk)
    try:
        reviewed = services.checklist_review(actor=request.user, checklist=checklist, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if reviewed.status == ChecklistStatus.RETURNED:
            messages.success(
                request, "Returned with your comments; the participant has a new version to correct."
            )
        else:
            messages.success(request, "Checklist verified.")
    return redirect("requirements_tracking:checklist_detail", pk=pk)


@staff_required
@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    checklists = list(selectors.review_queue()[:200])
    progress = selectors.progress_for_enrollments([c.enrollment for c in checklists], _progress_day(request))
    rows = [(c, progress.get(c.enrollment_id)) for c in checklists]
    return render(request, "requirements_tracking/review_queue.html", {"rows": rows})


@login_required
@require_safe
def checklist_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from weasyprint import HTML

    checklist = selectors.get_checklist_for_user(request.user, pk)
    if not checklist.is_signed:
        messages.info(request, "The PDF is available once the checklist is signed.")
        return redirect("requirements_tracking:checklist_detail", pk=pk)
    context = _detail_context(request, checklist)
    context["report"] = verify_integrity(checklist)
    html = render_to_string("requirements_tracking/checklist_pdf.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="checklist-{checklist.pk}-v{checklist.version}.pdf"'
    )
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def agreement(request: HttpRequest) -> HttpResponse:
    current, signature = selectors.agreement_state(request.user)
    may_sign = has_role(request.user, "participant", "trainer")
    form = AgreementForm(request.POST or None)
    if request.method == "POST":
        if not may_sign:
            raise PermissionDenied("Participants sign the policy agreement.")
        if current is None:
            raise Http404("No policy agreement is published.")
        if form.is_valid():
            try:
                services.agreement_sign(
                    actor=request.user,
                    agreement=current,
                    full_name=form.cleaned_data["full_name"],
                    ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"You signed version {current.version} of the policy.")
                return redirect("requirements_tracking:agreement")
    return render(
        request,
        "requirements_tracking/agreement.html",
        {
            "agreement": current,
            "signature": signature,
            "form": form,
            "may_sign": may_sign,
            "expected_name": services.expected_signer_name(request.user),
        },
    )
