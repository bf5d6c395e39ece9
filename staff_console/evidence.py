"""The evidence pack: everything that documents a participant's certification, as one PDF (WeasyPrint)
and a zip holding that PDF, the original evidence files (checklist entries' attachments, presentation
slides, certificate PDFs) and a manifest with each file's SHA-256.

Built by the Celery task `build_evidence_pack` (staff_console.tasks) after the job row is committed;
the job is claimed (queued → running) so it is built once, and `steps_done` tracks progress."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from certificates.models import Certificate
from enrollment.models import (
    Application,
    Enrollment,
    ExtensionRequest,
    Invoice,
    ParticipantProfile,
    Payment,
    TransitionRequest,
    Waiver,
)
from enrollment.selectors import invoices_with_balance
from maintenance.models import Presentation
from metrics_tokens.models import FidelityAssignment, MetricReport
from metrics_tokens.selectors import FIDELITY_LABELS, assignment_status
from requirements_tracking.integrity import verify_integrity
from requirements_tracking.models import Checklist, ChecklistEntry, PolicyAgreementSignature
from study_groups.models import Attendance

from .models import EvidencePackJob, EvidencePackStatus
from .services import evidence_pack_claim

log = logging.getLogger(__name__)

STEPS = ("collect", "checklists", "pdf", "files", "zip")


def collect(user: Any) -> dict[str, Any]:
    """Every record of the pack, read once (the PDF template and the zip use the same dict)."""
    profile = ParticipantProfile.objects.filter(user=user).select_related("organization").first()
    checklists = list(
        Checklist.objects.filter(enrollment__participant=user)
        .select_related("enrollment", "attestation", "reviewed_by")
        .prefetch_related("requirements")
        .order_by("enrollment__start_date", "version")
    )
    entries: dict[int, list[ChecklistEntry]] = defaultdict(list)
    for entry in (
        ChecklistEntry.objects.filter(requirement__checklist__enrollment__participant=user)
        .select_related("requirement")
        .order_by("requirement__order", "number", "id")
    ):
        entries[entry.requirement.checklist_id].append(entry)
    invoices = list(
        invoices_with_balance(Invoice.objects.filter(participant=user)).order_by("issued_on", "id")
    )
    payments: dict[int, list[Payment]] = defaultdict(list)
    for p in Payment.objects.filter(invoice__participant=user).order_by("paid_on", "id"):
        payments[p.invoice_id].append(p)
    waivers: dict[int, list[Waiver]] = defaultdict(list)
    for w in Waiver.objects.filter(invoice__participant=user).order_by("at", "id"):
        waivers[w.invoice_id].append(w)
    fidelity = list(
        FidelityAssignment.objects.filter(participant=user)
        .select_related("exercise")
        .order_by("exercise__year")
    )
    return {
        "person": user,
        "profile": profile,
        "licenses": list(profile.licenses.all()) if profile else [],
        "degrees": list(profile.degrees.all()) if profile else [],
        "applications": list(Application.objects.filter(participant=user).select_related("decided_by")),
        "enrollments": list(
            Enrollment.objects.filter(participant=user).select_related("policy").order_by("start_date", "id")
        ),
        "transitions": list(
            TransitionRequest.objects.filter(enrollment__participant=user)
            .select_related("enrollment", "decided_by")
            .order_by("requested_at")
        ),
        "extensions": list(
            ExtensionRequest.objects.filter(enrollment__participant=user)
            .select_related("enrollment", "decided_by")
            .order_by("requested_at")
        ),
        "checklists": [(c, entries.get(c.pk, [])) for c in checklists],
        "agreements": list(
            PolicyAgreementSignature.objects.filter(user=user)
            .select_related("agreement")
            .order_by("signed_at")
        ),
        "attendance": list(
            Attendance.objects.filter(membership__participant=user)
            .select_related("meeting", "meeting__group")
            .order_by("meeting__starts_at")
        ),
        "reports": list(MetricReport.objects.filter(participant=user).order_by("report_date", "id")),
        "fidelity": [(f, FIDELITY_LABELS[assignment_status(f)]) for f in fidelity],
        "invoices": [(i, payments.get(i.pk, []), waivers.get(i.pk, [])) for i in invoices],
        "certificates": list(Certificate.objects.filter(participant=user).order_by("issue_date", "id")),
        "presentations": list(Presentation.objects.filter(trainer=user).order_by("planned_on", "id")),
    }


def verify_checklists(data: dict[str, Any]) -> None:
    """Each signed checklist's hash recomputed and compared (also its evidence files' hashes)."""
    data["checklists"] = [(c, entries, verify_integrity(c)) for c, entries, *_ in data["checklists"]]


def render_pdf(data: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string("staff_console/evidence/pack.html", {**data, "generated_at": timezone.now()})
    return HTML(string=html).write_pdf()


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def original_files(data: dict[str, Any]) -> list[tuple[str, Callable[[], bytes]]]:
    """(name in the zip, reader) of every original file of the pack."""
    files: list[tuple[str, Callable[[], bytes]]] = []

    def reader(field: Any) -> Callable[[], bytes]:
        def read() -> bytes:
            with field.open("rb") as fh:
                return bytes(fh.read())

        return read

    for checklist, entries, *_ in data["checklists"]:
        for entry in entries:
            if entry.evidence:
                name = entry.evidence_name or Path(entry.evidence.name).name
                files.append(
                    (
                        f"checklists/{checklist.pk}-v{checklist.version}/{entry.pk}-{name}",
                        reader(entry.evidence),
                    )
                )
    for presentation in data["presentations"]:
        if presentation.slides:
            files.append(
                (f"presentations/{presentation.pk}-{presentation.slides_name}", reader(presentation.slides))
            )
    for certificate in data["certificates"]:

        def cert_pdf(c: Certificate = certificate) -> bytes:
            from certificates.rendering import render_pdf as render_certificate

            return render_certificate(c)

        files.append((f"certificates/{certificate.number}.pdf", cert_pdf))
    return files


def _write_whole(path: Path, content: bytes) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    partial.write_bytes(content)
    os.replace(partial, path)


def _advance(job: EvidencePackJob, step: int) -> None:
    job.steps_done = step
    job.save(update_fields=["steps_done"])


def evidence_pack_build(job_id: int, *, take_over: bool = False) -> bool:
    """Build one pack. Returns False when another worker has it (or it is finished); `take_over`
    builds a running pack again (its task was delivered again after its worker died)."""
    if not evidence_pack_claim(job_id, take_over=take_over):
        return False
    job = EvidencePackJob.objects.select_related("participant").get(pk=job_id)
    job.steps_total = len(STEPS)
    job.save(update_fields=["steps_total"])
    try:
        data = collect(job.participant)
        _advance(job, 1)
        verify_checklists(data)
        _advance(job, 2)
        pdf = render_pdf(data)
        _advance(job, 3)
        folder = Path(settings.MEDIA_ROOT) / "staff_console" / "evidence" / str(job.pk)
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"evidence-{job.participant_id}-{job.pk}"
        # Each file is written under a temporary name and renamed when whole: a build started again
        # (a dead worker's task delivered again) never leaves a torn file behind.
        _write_whole(folder / f"{stem}.pdf", pdf)
        manifest: list[dict[str, Any]] = [{"name": f"{stem}.pdf", "sha256": _sha(pdf), "size": len(pdf)}]
        missing: list[str] = []
        zip_path = folder / f"{stem}.zip"
        zip_partial = folder / f"{stem}.zip.{os.getpid()}.part"
        with zipfile.ZipFile(zip_partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{stem}.pdf", pdf)
            for name, read in original_files(data):
                try:
                    content = read()
                except OSError:
                    missing.append(name)
                    continue
                archive.writestr(name, content)
                manifest.append({"name": name, "sha256": _sha(content), "size": len(content)})
            _advance(job, 4)
            archive.writestr(
                "manifest.json",
                json.dumps(
                    {
                        "participant": job.participant.email,
                        "generated_at": timezone.now().isoformat(),
                        "files": manifest,
                        "missing": missing,
                    },
                    indent=2,
                ),
            )
        os.replace(zip_partial, zip_path)
        job.pdf_file = str((folder / f"{stem}.pdf").relative_to(settings.MEDIA_ROOT))
        job.zip_file = str(zip_path.relative_to(settings.MEDIA_ROOT))
        job.summary = {
            "files": len(manifest),
            "missing": missing,
            "checklists": len(data["checklists"]),
            "checklists_intact": sum(1 for *_, report in data["checklists"] if report.intact),
            "certificates": len(data["certificates"]),
        }
        job.status = EvidencePackStatus.DONE
        job.steps_done = len(STEPS)
        job.finished_at = timezone.now()
        job.save(update_fields=["pdf_file", "zip_file", "summary", "status", "steps_done", "finished_at"])
    except Exception as error:  # the page shows the failure; the worker log has the traceback
        log.exception("evidence pack %s failed", job_id)
        EvidencePackJob.objects.filter(pk=job_id).update(
            status=EvidencePackStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        return False
    return True
