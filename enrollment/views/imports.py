"""Staff import of existing records: upload → dry-run preview (an error per bad row) → commit all or nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import staff_required
from accounts.errors import DomainError

from .. import importing, services
from ..forms import ImportUploadForm
from ..models import ImportBatch
from .common import error_text


def _batch(pk: int) -> ImportBatch:
    batch = ImportBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise Http404("No such import.")
    return batch


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = request.FILES.get("file")
        batch, _ = services.import_batch_create(
            actor=request.user, text=form.cleaned_data["file"], filename=getattr(upload, "name", "") or ""
        )
        return redirect("enrollment:staff_import_batch", pk=batch.pk)
    recent = ImportBatch.objects.select_related("uploaded_by")[:10]
    return render(
        request,
        "enrollment/staff/import.html",
        {
            "form": form,
            "recent": recent,
            "required": importing.REQUIRED_COLUMNS,
            "optional": importing.OPTIONAL_COLUMNS,
        },
    )


@staff_required
@require_safe
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    preview = services.import_preview(text=batch.content) if batch.committed_at is None else None
    return render(request, "enrollment/staff/import_batch.html", {"batch": batch, "preview": preview})


@staff_required
@require_POST
def import_batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    try:
        preview = services.import_batch_commit(actor=request.user, batch=batch)
    except (ValidationError, DomainError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"Imported {len(preview.rows)} records.")
    return redirect("enrollment:staff_import_batch", pk=pk)
