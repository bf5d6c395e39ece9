"""Evidence packs: start one, poll its progress (htmx partial), download its PDF or zip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.access import staff_required

from .. import record
from ..models import EvidencePackJob, EvidencePackStatus
from ..services import evidence_pack_request


@staff_required
@require_POST
def evidence_start(request: HttpRequest, pk: int) -> HttpResponse:
    user = record.get_participant(pk)
    job = evidence_pack_request(actor=request.user, participant=user)
    messages.success(request, f"Evidence pack #{job.pk} is being built; this page shows its progress.")
    return redirect("staff_console:participant", pk=user.pk)


@staff_required
@require_safe
def evidence_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(EvidencePackJob, pk=pk)
    return render(request, "staff_console/evidence/_job.html", {"job": job})


@staff_required
@require_safe
def evidence_download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    job = get_object_or_404(EvidencePackJob, pk=pk, status=EvidencePackStatus.DONE)
    relative = {"pdf": job.pdf_file, "zip": job.zip_file}.get(kind)
    if not relative:
        raise Http404("No such file.")
    path = (Path(settings.MEDIA_ROOT) / relative).resolve()
    if not path.is_file() or Path(settings.MEDIA_ROOT).resolve() not in path.parents:
        raise Http404("The file is gone.")
    response: Any = FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
    return response
