"""Certificates benchmark: one PDF in a warm process against a one-line WeasyPrint page (the floor), and
bulk print jobs of 100 and 1,000 certificates run by a real Celery worker (time, worker peak memory).

Targets (issue 8): a certificate within 3x the floor; 1,000 certificates in under 60 s on a 2-core
machine; the worker's peak memory under 500 MB and not growing with the batch size.

Runs on its own throwaway SQLite database and file-system broker in a temporary folder (set
BENCH_DATABASE_URL to use another database). `python bench/certificates.py` prints the figures;
`main()` returns them for bench/run_all.py.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 3.0
TARGET_SECONDS_1000 = 60.0
TARGET_PEAK_MB = 500.0


def _environment(tmp: Path) -> dict[str, str]:
    env = {
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}"),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_RESULT_BACKEND": f"file://{tmp / 'results'}",
        "CELERY_FILESYSTEM_DIR": str(tmp / "broker"),
        "MEDIA_ROOT": str(tmp / "media"),
        "DJANGO_SETTINGS_MODULE": "nmt_cert.settings",
        "LOG_LEVEL": "WARNING",
        "NMT_TESTING": "0",
    }
    (tmp / "results").mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    return env


def _setup_django(tmp: Path) -> dict[str, str]:
    env = _environment(tmp)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return env


def _render_ratio(iterations: int = 40) -> dict[str, Any]:
    from certificates import rendering
    from certificates.models import Certificate

    certificate = Certificate(
        number="NMT-2026-000123",
        verification_code="Xk3v9_Qa2LmPzR7tYw8bNc4D",
        level="phase1",
        legal_name="Dr. Marisol Álvarez-Whitfield",
        completion_date=date(2026, 10, 14),
        issue_date=date(2026, 11, 2),
        issuer_name="The Neurosequential Network",
        wording=(
            "Certification attests exposure to and participation in training activities. It is not a "
            "certification of clinical competence or skill, and it confers no special affiliation with, or "
            "endorsement by, the Neurosequential Network."
        ),
    )
    for _ in range(3):  # warm: fonts, stylesheet, templates
        rendering.render_pdf(certificate)
        rendering.render_floor_pdf()
    cert_times, floor_times, cert_cpu, floor_cpu = [], [], [], []
    for _ in range(iterations):  # interleaved, so machine load colours both alike
        t, c = time.perf_counter(), time.process_time()
        rendering.render_pdf(certificate)
        cert_times.append(time.perf_counter() - t)
        cert_cpu.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        rendering.render_floor_pdf()
        floor_times.append(time.perf_counter() - t)
        floor_cpu.append(time.process_time() - c)
    cert_ms = statistics.median(cert_times) * 1000
    floor_ms = statistics.median(floor_times) * 1000
    cert_cpu_ms = statistics.median(cert_cpu) * 1000
    floor_cpu_ms = statistics.median(floor_cpu) * 1000
    return {
        "certificate_ms": round(cert_ms, 1),
        "floor_ms": round(floor_ms, 1),
        "ratio": round(cert_ms / floor_ms, 2),
        # CPU time is what a busy shared machine distorts least.
        "certificate_cpu_ms": round(cert_cpu_ms, 1),
        "floor_cpu_ms": round(floor_cpu_ms, 1),
        "ratio_cpu": round(cert_cpu_ms / floor_cpu_ms, 2),
    }


def _make_certificates(n: int, level: str, prefix: str) -> None:
    from django.utils import timezone

    from accounts.models import User
    from certificates.models import Certificate, CertificateNumberSequence
    from enrollment.models import Enrollment, ParticipantProfile, ProgramPolicy

    policy = ProgramPolicy.objects.order_by("effective_from").first()
    assert policy is not None
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@bench.invalid", first_name="Bench", last_name=str(i)) for i in range(n)]
    )
    users = list(
        User.objects.filter(email__startswith=prefix, email__endswith="@bench.invalid").order_by("id")
    )
    ParticipantProfile.objects.bulk_create(
        [
            ParticipantProfile(user=u, legal_name=f"Clinician {prefix.upper()} {i:05d} Example")
            for i, u in enumerate(users)
        ]
    )
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                participant=u, phase=level, policy=policy, status="completed", start_date=date(2024, 9, 1),
                term_end=date(2026, 9, 1), completed_on=date(2026, 9, 30),
            )
            for u in users
        ]
    )  # fmt: skip
    enrollments = list(Enrollment.objects.filter(participant__in=users).order_by("id"))
    seq, _ = CertificateNumberSequence.objects.get_or_create(year=2026)
    Certificate.objects.bulk_create(
        [
            Certificate(
                number=f"NMT-2026-{seq.last_value + i + 1:06d}", participant=e.participant, enrollment=e,
                level=level, legal_name=f"Clinician {prefix.upper()} {i:05d} Example", completion_date=e.completed_on,
                issue_date=date(2026, 10, 15), issuer_name="The Neurosequential Network",
                wording=policy.certificate_wording, issued_at=timezone.now(),
            )
            for i, e in enumerate(enrollments)
        ],
        batch_size=500,
    )  # fmt: skip
    seq.last_value += n
    seq.save(update_fields=["last_value"])


def _admin() -> Any:
    from django.contrib.auth.models import Group

    from accounts.models import User

    admin, _ = User.objects.get_or_create(email="bench-admin@bench.invalid")
    admin.groups.add(Group.objects.get_or_create(name="admin")[0])
    return admin


def _tree_rss_mb(root: int) -> tuple[float, float]:
    """(sum, largest) memory of a process and its children, from /proc: proportional set size (shared
    pages split between the processes sharing them, so forked children are not counted twice)."""
    sizes: list[float] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if int(entry.name) != root and ppid != root:
                continue
            rollup = (entry / "smaps_rollup").read_text().splitlines()
            pss_kb = next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
        except (OSError, ValueError, IndexError, StopIteration):
            continue
        sizes.append(pss_kb / 1024)
    return (sum(sizes), max(sizes)) if sizes else (0.0, 0.0)


def _run_job(env: dict[str, str], filters: dict[str, Any], concurrency: int) -> dict[str, Any]:
    """Start a fresh Celery worker (prefork, like production), queue one job, wait for it while sampling
    the worker's memory, stop the worker."""
    from certificates.models import BulkPrintJob
    from certificates.services import bulk_print_start

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "nmt_cert",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak_sum = 0.0
    try:
        time.sleep(3)  # let the worker start before the clock runs
        submitted = time.perf_counter()
        job = bulk_print_start(actor=_admin(), filters=filters, mark_printed=False)
        deadline = submitted + 600
        while time.perf_counter() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            total, _largest = _tree_rss_mb(worker.pid)
            peak_sum = max(peak_sum, total)
            if worker.poll() is not None:
                raise RuntimeError("the Celery worker exited: " + worker.stderr.read().decode()[-2000:])  # type: ignore[union-attr]
            time.sleep(0.2)
        wall = time.perf_counter() - submitted
    finally:
        worker.send_signal(signal.SIGTERM)
        _, _, usage = os.wait4(worker.pid, 0)
        worker.returncode = 0
    job = BulkPrintJob.objects.get(pk=job.pk)
    if job.status != "done":
        raise RuntimeError(f"job {job.pk} ended {job.status}: {job.error}")
    render_seconds = (job.finished_at - job.started_at).total_seconds()  # type: ignore[operator]
    combined = Path(env["MEDIA_ROOT"]) / job.combined_pdf
    load = os.getloadavg()[0]
    return {
        "certificates": job.total,
        "load_average_1m": round(load, 2),
        "job_seconds": round(render_seconds, 1),
        "wall_seconds_from_submit": round(wall, 1),
        "ms_per_certificate_in_job": round(render_seconds * 1000 / job.total, 1),
        "worker_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),  # all its processes, start-up too
        "worker_processes": concurrency + 1,
        "worker_peak_mb": round(peak_sum, 1),  # all the worker's processes together (PSS)
        "worker_peak_largest_process_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "combined_pdf_mb": round(combined.stat().st_size / 2**20, 1),
    }


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="nmt-bench-certificates-") as folder:
        tmp = Path(folder)
        env = _setup_django(tmp)
        figures: dict[str, Any] = {"name": "certificates"}
        figures.update(_render_ratio())
        _make_certificates(100, "phase2", "h")
        _make_certificates(1000, "phase1", "k")
        from django.conf import settings

        concurrency = int(settings.CERTIFICATE_BULK_SHARDS)
        small = _run_job(env, {"level": "phase2"}, concurrency)
        large = _run_job(env, {"level": "phase1"}, concurrency)
        for label, result in (("bulk_100", small), ("bulk_1000", large)):
            figures.update({f"{label}_{key}": value for key, value in result.items()})
        figures["floor"] = f"{figures['floor_ms']} ms (a one-line WeasyPrint page)"
        figures["target_ratio_within_3x"] = figures["ratio"] <= TARGET_RATIO
        figures["target_bulk_1000_under_60s"] = large["job_seconds"] < TARGET_SECONDS_1000
        # On a busy shared machine wall time says little; CPU seconds over the worker's processes do.
        figures["bulk_1000_cpu_seconds_per_core"] = round(large["worker_cpu_seconds"] / concurrency, 1)
        figures["target_peak_under_500mb"] = large["worker_peak_mb"] < TARGET_PEAK_MB
        figures["peak_growth_100_to_1000_mb"] = round(large["worker_peak_mb"] - small["worker_peak_mb"], 1)
        return figures


if __name__ == "__main__":
    print(json.dumps(main(), indent=2, default=str))
