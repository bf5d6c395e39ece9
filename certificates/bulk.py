"""The bulk print job's work: render each certificate once, add it to a zip of individual PDFs and
append its page to one combined PDF, both written to disk as they grow, so the worker's memory stays
flat whatever the batch size. Progress is saved every few certificates for the page to poll."""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

from django.conf import settings

from . import rendering, services
from .models import BulkPrintJob, Certificate
from .pdfconcat import PdfAppender

log = logging.getLogger(__name__)

BATCH = 100  # certificates loaded from the database at a time


def job_dir(job: BulkPrintJob) -> Path:
    return Path(settings.MEDIA_ROOT) / "certificates" / "bulk" / str(job.pk)


def run_bulk_print(job_id: int) -> str:
    """Run the job if it is ours to run; returns what happened ("done", "skipped", "failed")."""
    job = services.bulk_print_claim(job_id)
    if job is None:
        return "skipped"
    try:
        combined, archive = _render(job)
    except Exception as exc:
        log.exception("bulk print job %s failed", job_id)
        services.bulk_print_fail(job, f"{type(exc).__name__}: {exc}")
        return "failed"
    services.bulk_print_finish(job, combined_pdf=combined, zip_file=archive)
    return "done"


def _render(job: BulkPrintJob) -> tuple[str, str]:
    folder = job_dir(job)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"certificates-job-{job.pk}"
    pdf_tmp, zip_tmp = folder / f"{stem}.pdf.part", folder / f"{stem}.zip.part"
    ids: list[int] = list(job.certificate_ids)
    step = max(1, min(25, len(ids) // 100 or 1))  # save progress about every 1% (at most every 25)
    done = 0
    with open(pdf_tmp, "wb") as pdf_out, zipfile.ZipFile(zip_tmp, "w", zipfile.ZIP_STORED) as archive:
        appender = PdfAppender(pdf_out)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            by_id = {c.pk: c for c in Certificate.objects.filter(pk__in=chunk)}
            for pk in chunk:
                certificate = by_id.get(pk)
                if certificate is None:  # deleted meanwhile (certificates are PROTECTed; defensive)
                    done += 1
                    continue
                pdf = rendering.render_pdf(certificate)
                # PDFs are compressed already: storing them keeps the zip fast.
                archive.writestr(rendering.pdf_filename(certificate), pdf)
                appender.append(pdf)
                done += 1
                if done % step == 0:
                    services.bulk_print_progress(job, done)
        appender.close()
    relative = Path("certificates") / "bulk" / str(job.pk)
    os.replace(pdf_tmp, folder / f"{stem}.pdf")
    os.replace(zip_tmp, folder / f"{stem}.zip")
    return str(relative / f"{stem}.pdf"), str(relative / f"{stem}.zip")
