"""A Celery worker killed mid-job: the job is delivered again and finishes exactly once, never half-done.

Real worker processes on the Redis broker, killed with SIGKILL (no warm shutdown, no chance to tidy up):
- the whole worker (main process and pool) while a bulk print job renders: its unacknowledged tasks
  come back after the visibility timeout, to the worker started next;
- the pool process alone while it builds an evidence pack: with CELERY_TASK_REJECT_ON_WORKER_LOST the
  worker puts the task straight back on the queue.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psutil
import pytest
import redis
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AuditEntry
from certificates import services as certificate_services
from certificates.bulk import run_bulk_print_shard
from certificates.models import BulkPrintJob, BulkPrintStatus, Certificate
from staff_console.models import EvidencePackJob, EvidencePackStatus
from staff_console.services import evidence_pack_request
from tests.certificates.factories import completed_enrollment, many_certificates
from tests.staff_console.factories import participant

from .conftest import ROOT, app_env, needs_postgres_and_redis, stop

pytestmark = [
    *needs_postgres_and_redis(),
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

Worker = subprocess.Popen[bytes]


def wait_until(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def broker() -> redis.Redis:
    """The broker's Redis database, emptied: no task from an earlier run is delivered here."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.flushdb()
    return client


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(name: str, concurrency: int = 1, **env: str) -> Worker:
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (the worker writes to it until it stops)
        worker = subprocess.Popen(
            [
                *(str(ROOT / ".venv/bin/celery"), "-A", "nmt_cert", "worker", "-P", "prefork"),
                *("-c", str(concurrency), "-n", f"{name}@drill", "-l", "warning"),
                *("--without-heartbeat", "--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env=app_env(MEDIA_ROOT=str(settings.MEDIA_ROOT), **env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop(worker)


def test_a_bulk_print_whose_worker_is_killed_finishes_once_on_the_next_worker(
    cast: Any, broker: redis.Redis, start_worker: Callable[..., Worker], settings: Any
) -> None:
    settings.CERTIFICATE_BULK_SHARDS = 2
    ids = many_certificates(40)
    first = start_worker("first", concurrency=2)
    job = certificate_services.bulk_print_start(actor=cast.admin, filters={"not_printed": True})
    assert job.shards == 2

    def rendered() -> int:
        job.refresh_from_db()
        return job.done_count

    wait_until(lambda: rendered() >= 6, 90, "the first certificates to render")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    job.refresh_from_db()
    assert job.status == BulkPrintStatus.RUNNING and job.done_count < job.total  # cut off mid-job
    assert broker.hlen("unacked") == 2  # both shards' tasks were taken and never acknowledged

    # The next worker takes back tasks unacknowledged for longer than its visibility timeout.
    start_worker("second", concurrency=2, CELERY_VISIBILITY_TIMEOUT="1")
    wait_until(lambda: rendered() and job.is_finished, 120, "the job to finish")
    assert job.status == BulkPrintStatus.DONE, job.error
    assert job.done_count == job.total == 40
    actions = list(AuditEntry.objects.filter(target_id=str(job.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["certificate.bulk_print_started", "certificate.bulk_printed"]
    assert Certificate.objects.filter(pk__in=ids, printed_at__isnull=True).count() == 0
    folder = Path(settings.MEDIA_ROOT) / "certificates" / "bulk" / str(job.pk)
    reader = PdfReader(str(Path(settings.MEDIA_ROOT) / job.combined_pdf))
    assert len(reader.pages) == 40  # each certificate once, in the order fixed at the start
    numbers = dict(Certificate.objects.values_list("pk", "number"))
    for position in (0, 5, 39):
        assert numbers[job.certificate_ids[position]] in reader.pages[position].extract_text()
    with zipfile.ZipFile(Path(settings.MEDIA_ROOT) / job.zip_file) as archive:
        assert sorted(archive.namelist()) == sorted(f"{numbers[pk]}.pdf" for pk in ids)
    assert not (folder / "parts").exists() and not list(folder.glob("*.part"))
    wait_until(lambda: broker.hlen("unacked") == 0, 10, "the tasks to be acknowledged")


def test_an_evidence_pack_whose_pool_process_is_killed_is_built_again_once(
    cast: Any, broker: redis.Redis, start_worker: Callable[..., Worker]
) -> None:
    person = participant(1)
    for year in range(2019, 2026):  # certificates make the pack's files step take a while
        certificate_services.certificate_issue(
            actor=cast.admin,
            enrollment=completed_enrollment(
                person, completed_on=date(year, 9, 30), start=date(year - 1, 9, 1)
            ),
        )
    worker = start_worker("packs")
    job = evidence_pack_request(actor=cast.staff, participant=person)

    def progress() -> tuple[str, int]:
        job.refresh_from_db()
        return job.status, job.steps_done

    wait_until(lambda: progress() == (EvidencePackStatus.RUNNING, 3), 90, "the pack to reach its files")
    (pool,) = psutil.Process(worker.pid).children()
    pool.send_signal(signal.SIGKILL)  # the worker's main process lives on and sees it lost
    assert progress()[0] == EvidencePackStatus.RUNNING

    wait_until(lambda: job.finished if progress() else None, 90, "the pack to finish")
    assert job.status == EvidencePackStatus.DONE, job.error
    assert job.steps_done == job.steps_total == 5
    assert job.summary["certificates"] == 7 and job.summary["missing"] == []
    with zipfile.ZipFile(Path(settings.MEDIA_ROOT) / job.zip_file) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
    assert len([n for n in names if n.startswith("certificates/")]) == 7
    assert len(names) == len(set(names)) == job.summary["files"] + 1  # the files and the manifest
    assert EvidencePackJob.objects.filter(participant=person).count() == 1
    assert AuditEntry.objects.filter(action="staff_console.evidence_pack_requested").count() == 1
    assert worker.poll() is None  # the same worker, with a new pool process, built it
    wait_until(lambda: broker.hlen("unacked") == 0, 10, "the task to be acknowledged")


@pytest.mark.django_db  # no worker: the dead one's claim is set by hand, its task is then delivered again
def test_a_shard_delivered_again_takes_over_the_assembly_its_dead_worker_began(cast: Any) -> None:
    many_certificates(3)
    job = certificate_services.bulk_print_start(actor=cast.admin, filters={})
    now = timezone.now()
    # The worker that rendered everything claimed the assembly, then died before finishing it.
    BulkPrintJob.objects.filter(pk=job.pk).update(
        status=BulkPrintStatus.RUNNING, started_at=now, heartbeat_at=now, assembly_started_at=now
    )
    assert run_bulk_print_shard(job.pk, 0) == "rendered"  # a live worker's claim is left alone
    job.refresh_from_db()
    assert job.status == BulkPrintStatus.RUNNING
    assert run_bulk_print_shard(job.pk, 0, take_over=True) == "done"  # the dead worker's task, again
    assert run_bulk_print_shard(job.pk, 0, take_over=True) == "skipped"
    job.refresh_from_db()
    assert job.status == BulkPrintStatus.DONE and job.done_count == 3
    assert AuditEntry.objects.filter(action="certificate.bulk_printed", target_id=str(job.pk)).count() == 1
    assert len(PdfReader(str(Path(settings.MEDIA_ROOT) / job.combined_pdf)).pages) == 3
