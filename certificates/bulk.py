"""The bulk print job's work, in two steps.

1. Each of the job's shards (parallel Celery tasks) renders its slice of the certificates, one PDF file
   per certificate under the job's `parts/` folder, saving its progress as it goes. A file already
   there is not rendered again, so a redelivered task resumes where the lost one stopped.
2. The shard that finds every certificate rendered assembles them, in the order fixed when the job was
   created, into a zip of individual PDFs and one combined PDF for the printer. Both are streamed to
   disk (see pdfconcat), so the worker's memory stays flat whatever the batch size.
"""

from __future__ import annotations

import logging
import os
import shutil
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import rendering, services
from .models import BulkPrintJob, Certificate
from .pdfconcat import PdfAppender

log = logging.getLogger(__name__)

BATCH = 100  # certificates loaded from the database at a time


def job_dir(job: BulkPrintJob) -> Path:
    return Path(settings.MEDIA_ROOT) / "certificates" / "bulk" / str(job.pk)


def _part(folder: Path, position: int) -> Path:
    return folder / "parts" / f"{position:06d}.pdf"


def run_bulk_print_shard(job_id: int, shard: int, *, take_over: bool = False) -> str:
    """Render one shard, and assemble the files if it is the last to finish. Returns what happened.

    `take_over`: this shard's task was delivered again because its worker died, perhaps while
    assembling. An assembly claimed before this run began is then taken over at once (its worker is
    gone, and no task is left that would wait for its claim to go stale)."""
    began = timezone.now()
    job = services.bulk_print_begin(job_id)
    if job is None:
        return "skipped"
    try:
        complete = _render_shard(job, shard)
        dead_before = began if take_over else None
        if not (complete and services.bulk_print_claim_assembly(job, dead_before=dead_before)):
            return "rendered"
        combined, archive = _assemble(job)
    except Exception as exc:
        log.exception("bulk print job %s (shard %s) failed", job_id, shard)
        services.bulk_print_fail(job, f"{type(exc).__name__}: {exc}")
        return "failed"
    services.bulk_print_finish(job, combined_pdf=combined, zip_file=archive)
    return "done"


def run_bulk_print(job_id: int) -> str:
    """Every shard of a job, one after the other, in this process (tests, commands)."""
    job = BulkPrintJob.objects.get(pk=job_id)
    result = "skipped"
    for shard in range(job.shards):
        result = run_bulk_print_shard(job_id, shard)
    return result


def _render_shard(job: BulkPrintJob, shard: int) -> bool:
    folder = job_dir(job)
    (folder / "parts").mkdir(parents=True, exist_ok=True)
    positions = services.shard_positions(job, shard)
    ids: list[int] = job.certificate_ids
    step = max(1, min(25, job.total // 100))  # save progress about every 1% of the job
    rendered = 0
    for start in range(positions.start, positions.stop, BATCH):
        chunk = range(start, min(positions.stop, start + BATCH))
        todo = [p for p in chunk if not _part(folder, p).exists()]
        by_id = {c.pk: c for c in Certificate.objects.filter(pk__in=[ids[p] for p in todo])}
        rendered += len(chunk) - len(todo)
        for position in todo:
            certificate = by_id[ids[position]]
            target = _part(folder, position)
            temporary = target.with_suffix(".part")
            temporary.write_bytes(rendering.render_pdf(certificate))
            os.replace(temporary, target)
            rendered += 1
            if rendered % step == 0:
                services.bulk_print_progress(job, shard, rendered)
    return services.bulk_print_progress(job, shard, rendered)


def _assemble(job: BulkPrintJob) -> tuple[str, str]:
    folder = job_dir(job)
    stem = f"certificates-job-{job.pk}"
    # Named per process: an assembly taken over from a worker thought dead never writes into its files.
    pdf_tmp, zip_tmp = folder / f"{stem}.pdf.{os.getpid()}.part", folder / f"{stem}.zip.{os.getpid()}.part"
    ids: list[int] = job.certificate_ids
    with open(pdf_tmp, "wb") as pdf_out, zipfile.ZipFile(zip_tmp, "w", zipfile.ZIP_STORED) as archive:
        appender = PdfAppender(pdf_out)
        for start in range(0, len(ids), BATCH):
            numbers = dict(
                Certificate.objects.filter(pk__in=ids[start : start + BATCH]).values_list("pk", "number")
            )
            for position in range(start, min(len(ids), start + BATCH)):
                pdf = _part(folder, position).read_bytes()
                # PDFs are compressed already: storing them keeps the zip fast.
                archive.writestr(f"{numbers[ids[position]]}.pdf", pdf)
                appender.append(pdf)
            services.bulk_print_heartbeat(job)
        appender.close()
    os.replace(pdf_tmp, folder / f"{stem}.pdf")
    os.replace(zip_tmp, folder / f"{stem}.zip")
    shutil.rmtree(folder / "parts", ignore_errors=True)
    relative = Path("certificates") / "bulk" / str(job.pk)
    return str(relative / f"{stem}.pdf"), str(relative / f"{stem}.zip")
