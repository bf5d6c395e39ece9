"""Benchmark: the daily rule job over 100,000 enrollments in PostgreSQL.

    .venv/bin/python bench/rules_daily.py            # or `make bench` (bench/run_all.py calls main())

Seeds N enrollments (10,000 then 100,000; one participant each) in varied phases, states and dates, all
consistent with a job that last ran GAP_DAYS ago, so that the measured run has a month of moves to
make. Then, for each N:
- the floor: one hand-written SQL UPDATE that moves the same rows to their final status (run in a
  transaction that is rolled back), TRIALS times, median;
- the job: `maintenance.rules.apply(as_of)` in a fresh process (as a worker would run it), timed, with
  its SQL statements counted and the process's peak memory (ru_maxrss); TRIALS times, each on a fresh
  copy of the seeded database (CREATE DATABASE ... TEMPLATE), median;
- the next day: the job again, one day later (a normal day after the catch-up), and the same day again
  (idempotent: no change).
It uses its own databases (nmt_bench_rules and a copy) on the server of DATABASE_URL, and an in-memory
broker, so the reminder e-mail tasks it queues go nowhere.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, bench_env, database_url, ensure_database, setup_django

DB_NAME = "nmt_bench_rules"
COPY_NAME = "nmt_bench_rules_run"
AS_OF = date(2027, 6, 1)
GAP_DAYS = 30
SIZES = (10_000, 100_000)
TRIALS = 3


def _connect(db_name: str, autocommit: bool = False) -> Any:
    import psycopg

    parts = urlsplit(database_url(db_name))
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=db_name,
        autocommit=autocommit,
    )


def _fresh_copy() -> None:
    """COPY_NAME becomes a copy of the seeded database (no connection may be open to either)."""
    from django.db import connections

    connections.close_all()
    with _connect("postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{COPY_NAME}"')
        admin.execute(f'CREATE DATABASE "{COPY_NAME}" TEMPLATE "{DB_NAME}"')


def _state(phase: str, rule: Any, start: date, as_of: date) -> dict[str, Any]:
    """Where an enrollment that started on `start` stands on `as_of` if the job ran every day."""
    from enrollment.dates import add_months

    term_end = add_months(start, rule.term_months)
    fields: dict[str, Any] = {"start_date": start, "term_end": term_end, "status": "active"}
    if term_end > as_of:
        return fields
    if phase == "maintenance":
        lapse = add_months(term_end, 12)
        fields["status"] = "renewal_due" if lapse > as_of else "lapsed"
        if fields["status"] == "lapsed":
            fields["ended_on"] = lapse
        return fields
    if not rule.extensions_allowed:
        return fields | {"status": "lapsed", "ended_on": term_end}
    ext_end = add_months(start, rule.term_months + rule.free_extension_months)
    fields |= {"free_extension_months": rule.free_extension_months, "extension_end": ext_end}
    if ext_end > as_of:
        return fields | {"status": "free_extension"}
    paid = add_months(ext_end, rule.continuation_months)
    if paid > as_of:
        return fields | {"status": "continuation", "paid_through": paid}
    return fields | {"status": "awaiting_fee", "paid_through": paid}


def seed(n: int) -> None:
    from django.db import connection

    from accounts.models import User
    from enrollment.models import Enrollment, ProgramPolicy

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE accounts_user, enrollment_enrollment, accounts_auditentry, maintenance_rulerun, "
            "maintenance_yearendcheck, maintenance_sentreminder, maintenance_recertificationrequirement "
            "RESTART IDENTITY CASCADE"
        )
    policy = ProgramPolicy.objects.prefetch_related("phase_rules").get(name="December 2025")
    rules = {r.phase: r for r in policy.phase_rules.all()}
    rng = random.Random(n)
    last_run = AS_OF - timedelta(days=GAP_DAYS)
    batch = 10_000
    for offset in range(0, n, batch):
        users = User.objects.bulk_create(
            [User(email=f"b{i}@bench.invalid", password="!") for i in range(offset, min(n, offset + batch))]
        )
        rows = []
        for user in users:
            kind = rng.randrange(10)
            if kind < 3:
                phase, start = "phase1", last_run - timedelta(days=rng.randrange(0, 800))
            elif kind < 4:
                phase, start = "phase2", last_run - timedelta(days=rng.randrange(0, 1100))
            elif kind < 8:
                phase, start = "maintenance", last_run - timedelta(days=rng.randrange(0, 800))
            elif kind < 9:
                phase, start = "recertification", last_run - timedelta(days=rng.randrange(0, 450))
            else:
                done = last_run - timedelta(days=rng.randrange(0, 500))
                rows.append(
                    Enrollment(
                        participant=user,
                        phase=rng.choice(["phase1", "phase2"]),
                        policy=policy,
                        status="completed",
                        start_date=done - timedelta(days=400),
                        term_end=done - timedelta(days=35),
                        completed_on=done,
                    )
                )
                continue
            rows.append(
                Enrollment(
                    participant=user,
                    phase=phase,
                    policy=policy,
                    **_state(phase, rules[phase], start, last_run),
                )
            )
        Enrollment.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        # Years that ended before the last run were checked by it (one YearEndCheck each).
        cursor.execute(
            "INSERT INTO maintenance_yearendcheck (enrollment_id, checked_on, problems, decision, evaluated_at) "
            "SELECT id, term_end, '[]', '', now() FROM enrollment_enrollment "
            "WHERE phase = 'maintenance' AND status IN ('renewal_due', 'lapsed') AND term_end <= %s",
            [last_run],
        )
        cursor.execute("ANALYZE")


FLOOR_SQL = """
UPDATE enrollment_enrollment SET updated_at = now(), status = CASE
    WHEN status = 'active' AND phase = 'maintenance' THEN
        CASE WHEN (term_end + interval '12 months')::date <= %(d)s THEN 'lapsed' ELSE 'renewal_due' END
    WHEN status = 'active' AND phase = 'recertification' THEN 'lapsed'
    WHEN status = 'active' THEN
        CASE WHEN (start_date + interval '1 month' * (CASE phase WHEN 'phase1' THEN 18 ELSE 30 END))::date <= %(d)s
             THEN 'awaiting_fee' ELSE 'free_extension' END
    WHEN status = 'renewal_due' THEN 'lapsed'
    ELSE 'awaiting_fee' END
WHERE (status = 'active' AND term_end <= %(d)s)
   OR (status = 'free_extension' AND extension_end <= %(d)s)
   OR (status = 'continuation' AND paid_through <= %(d)s)
   OR (status = 'renewal_due' AND phase = 'maintenance' AND (term_end + interval '12 months')::date <= %(d)s)
"""


def floor(as_of: date) -> dict[str, Any]:
    """One hand-written UPDATE moving the same rows to their final status (no audit, no reminders),
    committed like the job's work is, on a fresh copy of the seeded database; the median of TRIALS."""
    from django.conf import settings

    times = []
    rows = 0
    for _ in range(TRIALS):
        _fresh_copy()
        with _connect(COPY_NAME) as conn:
            # The planner settings of the application's connections (settings.py), for the same plans.
            for option in settings.DATABASES["default"]["OPTIONS"].get("options", "").split("-c")[1:]:
                name, value = option.strip().split("=", 1)
                conn.execute(f"SET {name} = {value}")
            conn.commit()
            started = time.perf_counter()
            rows = conn.execute(FLOOR_SQL, {"d": as_of}).rowcount
            conn.commit()
            times.append(time.perf_counter() - started)
    return {"seconds": round(statistics.median(times), 3), "rows": rows, "all": [round(t, 3) for t in times]}


def _child(as_of: str) -> None:
    """Run the daily job once in this fresh process and print its figures as JSON."""
    setup_django(COPY_NAME)
    import resource

    from django.db import connection

    # A worker has its task modules loaded when it starts: load them before the clock starts.
    import maintenance.reminders
    import maintenance.tasks  # noqa: F401
    import metrics_tokens.services  # noqa: F401
    from maintenance import rules
    from nmt_cert.celery import app

    app.finalize()
    # …and its result backend and a broker connection, made when it started and kept.
    _ = app.backend
    with app.producer_or_acquire():
        pass
    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    connection.ensure_connection()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        summary = rules.apply(date.fromisoformat(as_of), triggered_by="bench")
        elapsed = time.perf_counter() - started
    moved = {d.enrollment_id for d in summary.decisions if d.new_status}
    print(
        "CHILD "
        + json.dumps(
            {
                "seconds": round(elapsed, 3),
                "statements": statements,
                "decisions": len(summary.decisions),
                "enrollments_moved": len(moved),
                "reminders": summary.reminders,
                "year_end_checks": summary.year_end_checks,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        ),
        flush=True,
    )


def run_job(as_of: date) -> dict[str, Any]:
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import bench.rules_daily as m; m._child({as_of.isoformat()!r})"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=bench_env(COPY_NAME),
    )
    for line in out.stdout.splitlines():
        if line.startswith("CHILD "):
            return json.loads(line.removeprefix("CHILD "))
    raise RuntimeError(f"The job failed:\n{out.stderr[-3000:]}")


def main() -> dict[str, Any]:
    setup_django(DB_NAME)
    ensure_database(DB_NAME)
    figures: dict[str, Any] = {}
    for n in SIZES:
        started = time.perf_counter()
        seed(n)
        print(f"seeded {n:,} enrollments in {time.perf_counter() - started:.1f} s", flush=True)
        base = floor(AS_OF)
        next_floor = floor(AS_OF + timedelta(days=1))
        trials = []
        for _ in range(TRIALS):
            _fresh_copy()
            trials.append(run_job(AS_OF))
        job = sorted(trials, key=lambda t: t["seconds"])[len(trials) // 2]  # the median run
        next_day = run_job(AS_OF + timedelta(days=1))  # on the last copy, after its catch-up
        again = run_job(AS_OF + timedelta(days=1))
        label = f"{n // 1000}k"
        print(f"[{label}] floor: 1 UPDATE, {base['rows']:,} rows, median {base['seconds']} s {base['all']}")
        print(f"[{label}] job (month of catch-up), median of {TRIALS}: {job}")
        print(f"[{label}]   all runs: {[t['seconds'] for t in trials]} s")
        print(f"[{label}] next day floor: 1 UPDATE, {next_floor['rows']:,} rows, {next_floor['seconds']} s")
        print(f"[{label}] job next day: {next_day}")
        print(f"[{label}] same day again: {again}", flush=True)
        ratio = job["seconds"] / base["seconds"] if base["seconds"] else None
        figures |= {
            f"{label}_floor_seconds": base["seconds"],
            f"{label}_floor_rows": base["rows"],
            f"{label}_job_seconds": job["seconds"],
            f"{label}_job_statements": job["statements"],
            f"{label}_job_enrollments_moved": job["enrollments_moved"],
            f"{label}_job_decisions": job["decisions"],
            f"{label}_job_reminders": job["reminders"],
            f"{label}_ratio_to_floor": round(ratio, 2) if ratio else None,
            f"{label}_job_peak_rss_mb": max(t["peak_rss_mb"] for t in trials),
            f"{label}_next_day_seconds": next_day["seconds"],
            f"{label}_next_day_statements": next_day["statements"],
            f"{label}_next_day_floor_seconds": next_floor["seconds"],
            f"{label}_rerun_changes": again["decisions"] + again["reminders"],
        }
    figures["target"] = "100k job < 10 s, ≤ 5× floor, statements flat 10k→100k, peak RSS < 300 MB"
    figures["ratio"] = figures.get("100k_ratio_to_floor")
    return figures


if __name__ == "__main__":
    result = main()
    for key, value in result.items():
        print(f"{key}: {value}")
