"""Benchmark: the staff console's pages under load with 50,000 participants, next to a trivial view.

    .venv/bin/python bench/pages_load.py        # or bench/run_all.py, which calls main()
    BENCH_PARTICIPANTS=2000 .venv/bin/python bench/pages_load.py   # a quick, smaller run
    BENCH_WORKERS=3 .venv/bin/python bench/pages_load.py           # the production image's workers

Seeds its own PostgreSQL database (nmt_bench_pages on the server of DATABASE_URL; kept between runs,
re-seeded only when the participant count differs): participants with profiles, licenses and
organizations, a Phase I / Phase II / Maintenance enrollment each in a spread of statuses and dates,
and items in the work queues (applications, transition and extension requests, unpaid invoices,
missing Fidelity submissions, flagged Maintenance years); vacuumed and analyzed before each run, as
autovacuum keeps a running database. Starts gunicorn (2 sync workers, production settings) and drives it from client threads in this process (a second process from the server's),
phase by phase (each in three rounds, the phases taking turns, so that drift in the machine's speed
during a run falls on the floor and the pages alike), each bounded in requests and seconds, signed in
as an MFA-enabled staff member:
- trivial: GET /healthz (the floor: the same server, a `SELECT 1` and a broker check);
- home: GET /staff/ (ten queue counts with their oldest waiting age, cached STAFF_HOME_CACHE_SECONDS);
- queue: GET /staff/queues/unpaid/ (a page of 50, sorted, with balances);
- search: GET /staff/participants/?q=<a surname fragment> (word-start full-text match, a page of 50).
Reports p50/p95 latency and requests/s of each, the ratio of each p95 to the trivial view's (target:
within 3x) and the SQL query count of one request to each page (target: at most 15); first with a
database connection per request (the settings' default), then with connections kept between requests
(DB_CONN_MAX_AGE=60, as docker-compose runs it), which makes every page faster and the trivial one
fastest of all, so its ratios are the larger ones.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import (  # noqa: E402
    bench_env,
    ensure_database,
    free_port,
    load_phase,
    setup_django,
    start_gunicorn,
    summarize,
)

DB_NAME = "nmt_bench_pages"
PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "50000"))
CLIENT_THREADS = 4
ROUNDS = 3  # each phase's requests in three turns, interleaved with the other phases
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
TARGET_RATIO = 3.0
TARGET_QUERIES = 15
PHASES = {  # name: (max requests, max seconds)
    "trivial": (600, 15.0),
    "home": (300, 30.0),
    "queue": (300, 30.0),
    "search": (300, 30.0),
}
SURNAMES = [
    "Garcia",
    "Nguyen",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Silva",
    "Murphy",
]


def _env() -> dict[str, str]:
    return bench_env(DB_NAME)


def _setup() -> None:
    setup_django(DB_NAME)


def _ensure_database() -> None:
    ensure_database(DB_NAME)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, tzinfo=UTC)


def seed(n: int) -> None:
    """n participants and their queue items, in bulk (a few hundred statements whatever n is)."""
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from enrollment.dates import add_months
    from enrollment.models import (
        Application,
        Enrollment,
        ExtensionRequest,
        Invoice,
        License,
        Organization,
        ParticipantProfile,
        ProgramPolicy,
        TransitionRequest,
    )
    from metrics_tokens.models import FidelityAssignment, FidelityExercise

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE accounts_user, enrollment_organization, metrics_tokens_fidelityexercise RESTART IDENTITY CASCADE"
        )
    today = timezone.localdate()
    policy = ProgramPolicy.objects.prefetch_related("phase_rules").get(name="December 2025")
    participant_group = Group.objects.get_or_create(name="participant")[0]
    rng = random.Random(n)
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Clinic {i:04d}", city="Springfield") for i in range(max(1, n // 25))]
    )
    exercise = FidelityExercise.objects.create(
        year=today.year,
        title=f"Fidelity Exercise {today.year}",
        case_abstract="fidelity/bench.pdf",
        qa_session_at=_at(today - timedelta(days=60)),
        qa_session_link="https://example.org/qa",
        deadline=today - timedelta(days=14),
    )
    batch = 5000
    for offset in range(0, n, batch):
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(
                        email=f"p{i}@bench.invalid",
                        password="!",
                        first_name=f"Pat{i}",
                        last_name=f"{SURNAMES[i % len(SURNAMES)]}{i}",
                    )
                    for i in range(offset, min(n, offset + batch))
                ]
            )
            User.groups.through.objects.bulk_create(
                [User.groups.through(user_id=u.pk, group_id=participant_group.pk) for u in users]
            )
            profiles = ParticipantProfile.objects.bulk_create(
                [
                    ParticipantProfile(
                        user=u,
                        legal_name=f"{u.first_name} {u.last_name}",
                        organization=rng.choice(orgs),
                        currently_practicing=True,
                    )
                    for u in users
                ]
            )
            License.objects.bulk_create(
                [
                    License(
                        profile=p,
                        license_type="LPC",
                        number=f"LPC-{p.user_id:07d}",
                        jurisdiction="Texas",
                        expires_on=date(2099, 1, 1),
                    )
                    for p in profiles
                ]
            )
            enrollments = []
            for u in users:
                kind = rng.randrange(10)
                phase = "phase1" if kind < 5 else "phase2" if kind < 7 else "maintenance"
                term = policy.rule(phase).term_months
                start = add_months(today, -rng.randrange(1, term + 6))
                end = add_months(start, term)
                status = "active" if end > today else rng.choice(["free_extension", "completed", "lapsed"])
                enrollments.append(
                    Enrollment(
                        participant=u,
                        phase=phase,
                        policy=policy,
                        status=status,
                        start_date=start,
                        term_end=end,
                        year_number=1,
                        flagged_for_review=phase == "maintenance" and rng.random() < 0.02,
                        completed_on=end if status == "completed" else None,
                        ended_on=end if status == "lapsed" else None,
                    )
                )
            enrollments = Enrollment.objects.bulk_create(enrollments)
            open_ones = [e for e in enrollments if e.status in ("active", "free_extension")]
            Application.objects.bulk_create(
                [
                    Application(
                        participant=e.participant,
                        agreed_to_policy_at=_at(e.start_date),
                        submitted_at=_at(today - timedelta(days=rng.randrange(1, 40))),
                    )
                    for e in enrollments
                    if rng.random() < 0.03
                ]
            )
            TransitionRequest.objects.bulk_create(
                [
                    TransitionRequest(
                        enrollment=e,
                        to_phase="maintenance",
                        requested_by=e.participant,
                        requested_at=_at(today - timedelta(days=rng.randrange(1, 20))),
                    )
                    for e in open_ones
                    if e.phase != "maintenance" and rng.random() < 0.02
                ]
            )
            ExtensionRequest.objects.bulk_create(
                [
                    ExtensionRequest(
                        enrollment=e,
                        months=3,
                        reason="Leave",
                        requested_by=e.participant,
                        requested_at=_at(today - timedelta(days=rng.randrange(1, 20))),
                    )
                    for e in open_ones
                    if e.phase != "maintenance" and rng.random() < 0.02
                ]
            )
            Invoice.objects.bulk_create(
                [
                    Invoice(
                        participant=e.participant,
                        enrollment=e,
                        kind="phase_fee",
                        amount=Decimal("4000.00"),
                        description="Phase fee",
                        issued_on=e.start_date,
                        due_on=e.start_date + timedelta(days=30),
                    )
                    for e in enrollments
                    if rng.random() < 0.1
                ]
            )
            FidelityAssignment.objects.bulk_create(
                [
                    FidelityAssignment(exercise=exercise, participant=e.participant, enrollment=e)
                    for e in open_ones
                ]
            )


def _settle() -> None:
    """The tables as autovacuum keeps them in a running system: statistics current and the visibility
    map set. Right after a bulk load every index-only scan still reads the heap (the broad search's
    participant test took twice as long), and autovacuum would start on its own in the middle of a
    run; a second run finds little to do (about a second)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _staff_cookie() -> str:
    """A session of an MFA-enabled staff member, in the shared database (gunicorn reads it)."""
    from django.test import Client

    from accounts.models import User
    from tests.support import make_user

    staff = User.objects.filter(email="bench-staff@example.org").first() or make_user(
        "bench-staff@example.org", ["staff"], mfa=True
    )
    client = Client()
    client.force_login(staff)
    return f"sessionid={client.cookies['sessionid'].value}"


def _query_counts(paths: dict[str, str]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email="bench-staff@example.org"))
    counts = {}
    for name, path in paths.items():
        client.get(path)  # warm
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = len(ctx.captured_queries)
    return counts


def _free_port() -> int:
    return free_port()


def _phase(port: int, path_of: Any, cookie: str, max_requests: int, max_seconds: float) -> dict[str, Any]:
    headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    return load_phase(
        port, lambda i: ("GET", path_of(i), headers, None), max_requests, max_seconds, threads=CLIENT_THREADS
    )


def _run_phases(paths: dict[str, Any], cookie: str, env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each phase in ROUNDS rounds, the phases taking turns (trivial, home, queue, search, trivial, ...),
    so that a machine whose speed drifts during the run (a shared host) moves the floor and the pages
    alike instead of one phase's figures; each phase's figures are over all its rounds."""
    port = _free_port()
    server = start_gunicorn(port, env, WORKERS)
    try:
        # Warm both workers as a running server is: every page asked for a while first, so that each
        # connection has prepared the statements it runs often (accounts.sql._cursor) and the figures
        # are a served page's, not a started server's.
        for name in PHASES:
            _phase(port, paths[name], cookie, 60, 20.0)
        latencies: dict[str, list[float]] = {name: [] for name in PHASES}
        statuses: dict[str, dict[int, int]] = {name: {} for name in PHASES}
        wall = dict.fromkeys(PHASES, 0.0)
        for round_ in range(ROUNDS):
            for name, (max_requests, max_seconds) in PHASES.items():
                per_round = max_requests // ROUNDS
                result = _phase(
                    port,
                    lambda i, name=name, offset=round_ * per_round: paths[name](offset + i),
                    cookie,
                    per_round,
                    max_seconds / ROUNDS,
                )
                latencies[name] += result["latencies"]
                wall[name] += result["wall_seconds"]
                for status, n in result["statuses"].items():
                    statuses[name][status] = statuses[name].get(status, 0) + n
        return {name: summarize(latencies[name], statuses[name], wall[name]) for name in PHASES}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> dict[str, Any]:
    _setup()
    _ensure_database()
    from accounts.models import User

    seeded = User.objects.filter(email__endswith="@bench.invalid").count()
    seed_seconds = 0.0
    if seeded != PARTICIPANTS:
        started = time.perf_counter()
        seed(PARTICIPANTS)
        seed_seconds = round(time.perf_counter() - started, 1)
    _settle()
    cookie = _staff_cookie()
    fragments = [f"{SURNAMES[i % len(SURNAMES)]}{i % 97}" for i in range(50)]
    paths = {
        "trivial": lambda i: "/healthz",
        "home": lambda i: "/staff/",
        "queue": lambda i: f"/staff/queues/unpaid/?page={1 + i % 5}",
        "search": lambda i: f"/staff/participants/?q={fragments[i % len(fragments)]}",
    }
    queries = _query_counts(
        {k: v(0) for k, v in paths.items() if k != "trivial"} | {"home_fresh": "/staff/?fresh=1"}
    )
    from django.db import connections

    connections.close_all()
    results = _run_phases(paths, cookie, _env())
    # The production shape (docker-compose) keeps database connections between requests: the same
    # phases again, so the figures show what that takes off every page, the trivial one included.
    persistent = _run_phases(paths, cookie, _env() | {"DB_CONN_MAX_AGE": "60"})
    trivial = results["trivial"]
    figures: dict[str, Any] = {
        "setup": f"{PARTICIPANTS} participants, gunicorn {WORKERS} sync workers, {CLIENT_THREADS} client threads, "
        f"PostgreSQL {DB_NAME}",
        "seed_seconds": seed_seconds,
    }
    for name, r in results.items():
        figures[f"{name}_rps"] = r["rps"]
        figures[f"{name}_p50_ms"] = r["p50_ms"]
        figures[f"{name}_p95_ms"] = r["p95_ms"]
        figures[f"{name}_requests"] = r["requests"]
        figures[f"{name}_statuses"] = json.dumps(r["statuses"], sort_keys=True)
        if name != "trivial":
            figures[f"ratio_p95_{name}_vs_trivial"] = (
                round(r["p95_ms"] / trivial["p95_ms"], 2) if trivial["p95_ms"] else None
            )
            figures[f"{name}_queries"] = queries[name]
    figures["home_fresh_queries"] = queries["home_fresh"]  # the counts recomputed (not from the cache)
    kept = persistent["trivial"]["p95_ms"]
    for name, r in persistent.items():
        figures[f"persistent_connections_{name}_p95_ms"] = r["p95_ms"]
        figures[f"persistent_connections_{name}_rps"] = r["rps"]
        if name != "trivial":
            figures[f"persistent_connections_ratio_p95_{name}_vs_trivial"] = (
                round(r["p95_ms"] / kept, 2) if kept else None
            )
    figures["target"] = (
        f"p95 within {TARGET_RATIO}x the trivial view; at most {TARGET_QUERIES} queries a page"
    )
    figures["met"] = all(
        (figures[f"ratio_p95_{n}_vs_trivial"] or 0) <= TARGET_RATIO and queries[n] <= TARGET_QUERIES
        for n in ("home", "queue", "search")
    )
    return figures


if __name__ == "__main__":
    result = main()
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
