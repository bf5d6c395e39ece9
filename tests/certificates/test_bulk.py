"""Bulk printing: one combined PDF and a zip of individual PDFs, rendered by a real Celery worker."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from pypdf import PdfReader

from accounts.models import AuditEntry
from certificates import rendering, services
from certificates.bulk import run_bulk_print
from certificates.models import BulkPrintJob, BulkPrintStatus, Certificate
from certificates.pdfconcat import PdfAppender
from enrollment.models import Organization
from tests.certificates.factories import many_certificates


def test_the_appender_joins_pdfs_into_one_valid_file(tmp_path: Path) -> None:
    one = rendering.render_floor_pdf()
    from weasyprint import HTML

    two = HTML(string="<p>page one</p><p style='break-before: page'>page two</p>").write_pdf()
    out = tmp_path / "joined.pdf"
    with open(out, "wb") as f:
        appender = PdfAppender(f)
        assert appender.append(one) == 1
        assert appender.append(two) == 2
        appender.close()
    reader = PdfReader(str(out), strict=True)
    assert len(reader.pages) == 3
    texts = [p.extract_text().strip() for p in reader.pages]
    assert texts == ["NMT", "page one", "page two"]


@pytest.mark.django_db
def test_a_job_renders_the_filtered_certificates_and_marks_them_printed(cast: Any) -> None:
    org = Organization.objects.create(name="Riverbend Clinic")
    ids = many_certificates(5, organization=org)
    many_certificates(3, prefix="other")  # another organization's: filtered out
    job = services.bulk_print_start(actor=cast.admin, filters={"organization": org, "not_printed": True})
    assert job.total == 5 and sorted(job.certificate_ids) == sorted(ids)
    assert job.filters == {"organization": org.pk, "not_printed": True}
    assert run_bulk_print(job.pk) == "done"
    assert run_bulk_print(job.pk) == "skipped"  # safe to run twice
    job.refresh_from_db()
    assert job.status == BulkPrintStatus.DONE and job.done_count == 5 and job.percent == 100
    combined = PdfReader(str(Path(settings.MEDIA_ROOT) / job.combined_pdf))
    assert len(combined.pages) == 5
    numbers = sorted(Certificate.objects.filter(pk__in=ids).values_list("number", flat=True))
    assert numbers[0] in " ".join(p.extract_text() for p in combined.pages)
    with zipfile.ZipFile(Path(settings.MEDIA_ROOT) / job.zip_file) as archive:
        assert sorted(archive.namelist()) == [f"{n}.pdf" for n in numbers]
        first = PdfReader(io.BytesIO(archive.read(f"{numbers[0]}.pdf")))
        assert numbers[0] in first.pages[0].extract_text()
    assert Certificate.objects.filter(pk__in=ids, printed_at__isnull=False).count() == 5
    assert Certificate.objects.filter(printed_at__isnull=False).count() == 5
    assert AuditEntry.objects.filter(action="certificate.bulk_printed").count() == 1
    # Not printed yet → nothing left for that organization.
    with pytest.raises(Exception, match="nothing to print"):
        services.bulk_print_start(actor=cast.admin, filters={"organization": org, "not_printed": True})


@pytest.mark.django_db
def test_a_job_with_revoked_and_superseded_certificates_prints_only_current_ones(cast: Any) -> None:
    ids = many_certificates(3)
    first, second, _ = Certificate.objects.filter(pk__in=ids).order_by("pk")
    services.certificate_revoke(actor=cast.admin, certificate=first, reason="error")
    services.certificate_reissue(
        actor=cast.admin, certificate=second, reason="name", legal_name="Corrected Name"
    )
    job = services.bulk_print_start(actor=cast.admin, filters={})
    assert job.total == 2  # the untouched one and the reissue


@pytest.mark.django_db
def test_shards_split_the_work_resume_after_a_loss_and_assemble_once_in_order(
    cast: Any, settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from certificates.bulk import job_dir, run_bulk_print_shard

    settings.CERTIFICATE_BULK_SHARDS = 2
    many_certificates(60)
    job = services.bulk_print_start(actor=cast.admin, filters={})
    assert job.shards == 2 and list(services.shard_positions(job, 0)) == list(range(30))
    assert list(services.shard_positions(job, 1)) == list(range(30, 60))
    assert run_bulk_print_shard(job.pk, 1) == "rendered"
    job.refresh_from_db()
    assert job.done_count == 30 and job.percent == 50 and job.status == BulkPrintStatus.RUNNING
    # Shard 1's task is delivered again: its files are kept, its count is not doubled.
    parts = sorted((job_dir(job) / "parts").iterdir())
    stamp = parts[-1].stat().st_mtime_ns
    assert run_bulk_print_shard(job.pk, 1) == "rendered"
    job.refresh_from_db()
    assert job.done_count == 30 and parts[-1].stat().st_mtime_ns == stamp
    assert run_bulk_print_shard(job.pk, 0) == "done"
    job.refresh_from_db()
    assert job.status == BulkPrintStatus.DONE and job.done_count == 60
    assert not (job_dir(job) / "parts").exists()
    reader = PdfReader(str(Path(settings.MEDIA_ROOT) / job.combined_pdf))
    numbers = dict(Certificate.objects.values_list("pk", "number"))
    expected = [numbers[pk] for pk in job.certificate_ids]  # the order fixed at the start (by name)
    for index in (0, 29, 30, 59):
        assert expected[index] in reader.pages[index].extract_text()
    # Assembly is claimed once; a claim whose worker went silent may be taken over.
    running = services.bulk_print_start(actor=cast.admin, filters={})
    BulkPrintJob.objects.filter(pk=running.pk).update(status=BulkPrintStatus.RUNNING)
    assert services.bulk_print_claim_assembly(running) is True
    assert services.bulk_print_claim_assembly(running) is False
    BulkPrintJob.objects.filter(pk=running.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert services.bulk_print_claim_assembly(running) is True


@pytest.mark.django_db(transaction=True)
@pytest.mark.celery_worker
def test_two_hundred_certificates_through_a_real_worker_with_progress_to_100(cast: Any) -> None:
    from celery.contrib.testing.worker import start_worker

    from nmt_cert.celery import app

    ids = many_certificates(200)
    client = Client()
    client.force_login(cast.admin)
    seen: list[int] = []
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        response = client.post(
            "/certificates/print/", {"level": "phase1", "not_printed": "on", "mark_printed": "on"}
        )
        assert response.status_code == 302
        job = BulkPrintJob.objects.get()
        assert response["Location"] == f"/certificates/print/{job.pk}/"
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            partial = client.get(f"/certificates/print/{job.pk}/progress/")
            assert partial.status_code == 200
            job.refresh_from_db()
            seen.append(job.percent)
            if job.is_finished:
                break
            assert 'hx-trigger="every 1s"' in partial.content.decode()
            time.sleep(0.5)
    job.refresh_from_db()
    assert job.status == BulkPrintStatus.DONE, job.error
    assert job.done_count == job.total == 200 and job.percent == 100
    assert seen == sorted(seen)  # progress only moves forward
    final = client.get(f"/certificates/print/{job.pk}/progress/").content.decode()
    assert "100%" in final and "hx-trigger" not in final  # polling stops
    combined = client.get(f"/certificates/print/{job.pk}/pdf/")
    assert combined.status_code == 200 and combined["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(combined.streaming_content)))
    assert len(reader.pages) == 200
    archive = client.get(f"/certificates/print/{job.pk}/zip/")
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as z:
        assert len(z.namelist()) == 200
    assert Certificate.objects.filter(pk__in=ids, printed_at__isnull=True).count() == 0
    transaction.get_connection().close()
