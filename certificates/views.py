"""Pages: a participant's certificates; staff's list and the completions awaiting a certificate; an
admin's issue, revoke, reissue and bulk printing. Thin: selectors load, services change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import admin_required, needs_mfa_setup, role_required, staff_required
from accounts.errors import DomainError
from accounts.models import AuditEntry
from accounts.roles import Role, is_admin, is_staff_member

from . import rendering, selectors, services
from .forms import BulkPrintForm, IssueForm, ReissueForm, RevokeForm
from .models import BulkPrintJob, BulkPrintStatus, Certificate, CertificateLevel, CertificateStatus

ISSUE_AT_ONCE = 500  # issuing is quick (no rendering), but a request should stay short


@role_required(Role.PARTICIPANT)
@require_safe
def my_certificates(request: HttpRequest) -> HttpResponse:
    certificates = list(selectors.certificates_of(request.user))
    return render(request, "certificates/mine.html", {"certificates": certificates})


@staff_required
@require_safe
def manage(request: HttpRequest) -> HttpResponse:
    qs = selectors.filter_certificates(selectors.certificates_visible_to(request.user), request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    awaiting_qs = selectors.issuable_enrollments()
    awaiting = Paginator(awaiting_qs, 50).get_page(request.GET.get("apage"))
    return render(
        request,
        "certificates/manage.html",
        {
            "page": page,
            "awaiting": awaiting,
            "levels": CertificateLevel.choices,
            "statuses": [s for s in CertificateStatus.choices if s[0] != CertificateStatus.NOT_FOUND],
            "filters": {k: request.GET.get(k, "") for k in ("q", "level", "status")},
            "can_issue": is_admin(request.user),
        },
    )


@admin_required
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    awaiting_ids = list(selectors.issuable_enrollments().values_list("pk", flat=True)[: ISSUE_AT_ONCE * 4])
    form = IssueForm(request.POST, awaiting_ids=awaiting_ids)
    if not form.is_valid():
        for error in form.non_field_errors() or [
            "Those enrollments are not awaiting a certificate any more."
        ]:
            messages.error(request, str(error))
        return redirect("certificates:manage")
    if form.cleaned_data["all_awaiting"]:
        chosen = awaiting_ids[:ISSUE_AT_ONCE]
    else:
        chosen = form.cleaned_data["enrollments"][:ISSUE_AT_ONCE]
    enrollments = selectors.issuable_enrollments().filter(pk__in=chosen)
    issued, refused = services.certificate_issue_many(actor=request.user, enrollments=enrollments)
    if issued:
        names = ", ".join(c.legal_name for c in issued[:5]) + (" …" if len(issued) > 5 else "")
        messages.success(
            request, f"Issued {len(issued)} certificate{'s' if len(issued) != 1 else ''}: {names}."
        )
    for enrollment, reason in refused:
        messages.error(request, f"{enrollment.participant}: {reason}")
    if len(issued) == 1 and not refused:
        return redirect("certificates:detail", pk=issued[0].pk)
    return redirect("certificates:manage")


def _detail_context(request: HttpRequest, certificate: Certificate, **forms: Any) -> dict[str, Any]:
    audit = []
    if is_staff_member(request.user):
        audit = list(
            AuditEntry.objects.filter(action__startswith="certificate.", target_id=str(certificate.pk))
            .filter(target_type__model="certificate")
            .order_by("-at")[:20]
        )
    return {
        "certificate": certificate,
        "verify_url": rendering.verification_url(certificate.verification_code),
        "can_manage": is_admin(request.user),
        "is_staff": is_staff_member(request.user),
        "revoke_form": forms.get("revoke_form") or RevokeForm(),
        "reissue_form": forms.get("reissue_form")
        or ReissueForm(initial={"legal_name": selectors.legal_name_for(certificate.participant)}),
        "supersedes": Certificate.objects.filter(superseded_by=certificate).first(),
        "audit": audit,
    }


@role_required(Role.PARTICIPANT, Role.STAFF, Role.ADMIN)
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    if needs_mfa_setup(request.user):
        return redirect("mfa_activate_totp")
    certificate = selectors.get_certificate_for_user(request.user, pk)
    return render(request, "certificates/detail.html", _detail_context(request, certificate))


@role_required(Role.PARTICIPANT, Role.STAFF, Role.ADMIN)
@require_safe
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate's PDF: its owner, staff and admins only (anyone else: 404)."""
    if needs_mfa_setup(request.user):
        return redirect("mfa_activate_totp")
    certificate = selectors.get_certificate_for_user(request.user, pk)
    pdf = rendering.render_pdf(certificate)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{rendering.pdf_filename(certificate)}"'
    return response


@admin_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.get_certificate_for_user(request.user, pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.certificate_revoke(
                actor=request.user, certificate=certificate, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Certificate {certificate.number} is revoked.")
        return redirect("certificates:detail", pk=certificate.pk)
    return render(
        request,
        "certificates/detail.html",
        _detail_context(request, certificate, revoke_form=form),
        status=400,
    )


@admin_required
@require_POST
def reissue(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.get_certificate_for_user(request.user, pk)
    form = ReissueForm(request.POST)
    if form.is_valid():
        try:
            new = services.certificate_reissue(
                actor=request.user,
                certificate=certificate,
                reason=form.cleaned_data["reason"],
                legal_name=form.cleaned_data["legal_name"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("certificates:detail", pk=certificate.pk)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, f"Reissued as {new.number}; {certificate.number} now shows as superseded."
            )
            return redirect("certificates:detail", pk=new.pk)
    return render(
        request,
        "certificates/detail.html",
        _detail_context(request, certificate, reissue_form=form),
        status=400,
    )


@admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def bulk_print(request: HttpRequest) -> HttpResponse:
    """The filters, a count of what they match ("count"), and starting the job (any other POST)."""
    status = 200
    if request.method == "POST":
        form = BulkPrintForm(request.POST)
        if form.is_valid() and request.POST.get("action") != "count":
            try:
                job = services.bulk_print_start(
                    actor=request.user, filters=form.filters(), mark_printed=form.cleaned_data["mark_printed"]
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, f"Printing {job.total} certificates. This page shows the progress.")
                return redirect("certificates:bulk_job", pk=job.pk)
        if not form.is_valid():
            status = 400
    else:
        form = BulkPrintForm(initial={"not_printed": True, "mark_printed": True})
    matching = None
    if form.is_bound and form.is_valid():
        matching = selectors.bulk_print_queryset(form.filters()).count()
    jobs = list(selectors.bulk_jobs()[:10])
    return render(
        request, "certificates/bulk.html", {"form": form, "matching": matching, "jobs": jobs}, status=status
    )


def _job_for(pk: int) -> BulkPrintJob:
    return get_object_or_404(BulkPrintJob.objects.select_related("created_by"), pk=pk)


@admin_required
@require_safe
def bulk_job(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "certificates/bulk_job.html", {"job": _job_for(pk)})


@admin_required
@require_safe
def bulk_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled by htmx every second until the job is finished."""
    return render(request, "certificates/partials/bulk_progress.html", {"job": _job_for(pk)})


@admin_required
@require_safe
def bulk_job_download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    job = _job_for(pk)
    relative = {"pdf": job.combined_pdf, "zip": job.zip_file}.get(kind)
    if job.status != BulkPrintStatus.DONE or not relative:
        raise Http404("These files are not ready.")
    path = (Path(settings.MEDIA_ROOT) / relative).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or not path.exists():
        raise Http404("These files are no longer there.")
    content_type = "application/pdf" if kind == "pdf" else "application/zip"
    response: Any = FileResponse(
        open(path, "rb"),  # noqa: SIM115 (FileResponse closes it)
        as_attachment=True,
        filename=path.name,
        content_type=content_type,
    )
    return response
