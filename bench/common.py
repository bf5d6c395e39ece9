"""What the benchmarks share: each runs against its own PostgreSQL database (on the server of
DATABASE_URL), with an in-memory broker, production settings and quiet logs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def database_url(db_name: str) -> str:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/nmt_bench"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db_name}", parts.query, parts.fragment))


def bench_env(db_name: str) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": database_url(db_name),
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
        "DJANGO_SETTINGS_MODULE": "nmt_cert.settings",
        "DJANGO_DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }


def setup_django(db_name: str) -> None:
    os.environ.update(bench_env(db_name))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database(db_name: str) -> None:
    """Create the benchmark's database if it is missing, then migrate it."""
    import psycopg

    parts = urlsplit(database_url(db_name))
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{db_name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(port: int, env: dict[str, str], workers: int) -> Any:
    """gunicorn serving the app on 127.0.0.1:port, returned once it accepts connections."""
    import socket
    import subprocess
    import time

    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "nmt_cert.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def load_phase(
    port: int, make_request: Any, max_requests: int, max_seconds: float, threads: int = 4, timeout: float = 60
) -> dict[str, Any]:
    """`threads` clients send requests `make_request(i) -> (method, path, headers, body)` until
    `max_requests` are done or `max_seconds` pass (bounded both ways); latencies and statuses."""
    import http.client
    import threading
    import time

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(max_requests))
    stop_at = time.monotonic() + max_seconds

    def client() -> None:
        while time.monotonic() < stop_at:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            method, path, headers, body = make_request(i)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            conn.close()
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    began = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return summarize(latencies, statuses, time.perf_counter() - began)


def summarize(latencies: list[float], statuses: dict[int, int], wall: float) -> dict[str, Any]:
    """p50/p95 (ms) and requests/s of latencies (s) measured over `wall` seconds; the raw latencies
    are kept (`latencies`) so that phases run in several rounds can be summarized together."""
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1) if ordered else 0.0

    return {
        "requests": len(ordered),
        "rps": round(len(ordered) / wall, 1) if wall else 0.0,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "statuses": statuses,
        "latencies": ordered,
        "wall_seconds": wall,
    }
