"""Benchmark: token consumption through the API on PostgreSQL, next to a trivial API view.

    .venv/bin/python bench/tokens_api.py        # or bench/run_all.py, which calls main()

Starts gunicorn (2 sync workers, production settings) on 127.0.0.1 against its own database
(nmt_bench_tokens on the server of DATABASE_URL), then drives it from a few client threads, each phase
bounded in requests and in seconds:
- trivial: GET /api/v1/me/ with a bearer token (authentication + a small JSON answer);
- consume: POST /api/v1/metrics/reports/ with the metrics tool's integration token and a fresh
  Idempotency-Key each time, spread over 20 Maintenance clinicians (row lock, balance sum, report,
  ledger entry, idempotency record);
- consume_hot: the same for one clinician only: every request queues on that clinician's lock;
- replay: the same request and key again (the idempotent answer, no spending).
Prints requests/s and p50/p95 latency of each and the ratio of consumption to the trivial view.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import bench_env, ensure_database, free_port, load_phase, setup_django, start_gunicorn  # noqa: E402

DB_NAME = "nmt_bench_tokens"
CLINICIANS = 20
CLIENT_THREADS = 4
WORKERS = 2
PHASES = {  # name: (max requests, max seconds)
    "trivial": (800, 20.0),
    "consume": (800, 30.0),
    "consume_hot": (300, 20.0),
    "replay": (400, 15.0),
}


def _env() -> dict[str, str]:
    return bench_env(DB_NAME)


def _setup() -> None:
    setup_django(DB_NAME)


def _ensure_database() -> None:
    ensure_database(DB_NAME)


def seed() -> dict[str, Any]:
    """Clinicians in Maintenance with plenty of tokens, the tool's integration token, a personal token."""
    from django.utils import timezone

    from accounts.models import ApiToken, User
    from accounts.services import api_token_create
    from enrollment.selectors import enrolled_enrollment
    from enrollment.services import enrollment_open
    from metrics_tokens.selectors import balance_for
    from metrics_tokens.services import tokens_adjust
    from tests.support import make_user

    today = timezone.localdate()
    staff = User.objects.filter(email="bench-staff@example.org").first() or make_user(
        "bench-staff@example.org", ["staff"]
    )
    clinicians = []
    for i in range(CLINICIANS):
        email = f"bench-clinician-{i}@example.org"
        user = User.objects.filter(email=email).first() or make_user(email, ["participant"], time_zone="UTC")
        if enrolled_enrollment(user) is None:
            enrollment_open(
                actor=None, participant=user, phase="maintenance", start_date=today - timedelta(days=30)
            )
        while balance_for(user) < 5000:  # at most 1000 per grant
            tokens_adjust(actor=staff, participant=user, amount=1000, reason="Benchmark", kind="grant")
        clinicians.append(email)
    tool = User.objects.filter(email="bench-tool@example.org").first() or make_user(
        "bench-tool@example.org", []
    )
    _, tool_secret = api_token_create(actor=staff, user=tool, name="bench tool", scope=ApiToken.Scope.METRICS)
    _, personal_secret = api_token_create(actor=tool, user=tool, name="bench personal")
    return {"clinicians": clinicians, "tool": tool_secret, "personal": personal_secret, "today": today}


def _free_port() -> int:
    return free_port()


def _start_server(port: int) -> Any:
    return start_gunicorn(port, _env(), WORKERS)


def _phase(port: int, make_request: Any, max_requests: int, max_seconds: float) -> dict[str, Any]:
    return load_phase(port, make_request, max_requests, max_seconds, threads=CLIENT_THREADS, timeout=30)


def main() -> dict[str, Any]:
    _setup()
    _ensure_database()
    data = seed()
    from django.db import connections

    connections.close_all()
    port = _free_port()
    server = _start_server(port)
    day = (data["today"] - timedelta(days=1)).isoformat()
    run = uuid.uuid4().hex[:8]

    def trivial(i: int) -> Any:
        return "GET", "/api/v1/me/", {"Authorization": f"Bearer {data['personal']}"}, None

    def consume_for(clinician_of: Any, key_of: Any, code_of: Any = lambda i: f"B-{i:05d}") -> Any:
        def make(i: int) -> Any:
            body = json.dumps(
                {
                    "clinician_email": clinician_of(i),
                    "report_type": "client_follow_up",
                    "report_date": day,
                    "client_code": code_of(i),
                }
            )
            headers = {
                "Authorization": f"Bearer {data['tool']}",
                "Content-Type": "application/json",
                "Idempotency-Key": key_of(i),
            }
            return "POST", "/api/v1/metrics/reports/", headers, body

        return make

    spread = consume_for(lambda i: data["clinicians"][i % CLINICIANS], lambda i: f"{run}-spread-{i}")
    hot = consume_for(lambda i: data["clinicians"][0], lambda i: f"{run}-hot-{i}")
    # The hot phase's first request again, byte for byte: answered from its idempotency record.
    replay = consume_for(lambda i: data["clinicians"][0], lambda i: f"{run}-hot-0", lambda i: "B-00000")
    try:
        _phase(port, trivial, 40, 10.0)  # warm both workers
        results = {
            "trivial": _phase(port, trivial, *PHASES["trivial"]),
            "consume": _phase(port, spread, *PHASES["consume"]),
            "consume_hot": _phase(port, hot, *PHASES["consume_hot"]),
            "replay": _phase(port, replay, *PHASES["replay"]),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    t, c = results["trivial"], results["consume"]
    figures: dict[str, Any] = {
        "setup": f"gunicorn {WORKERS} sync workers, {CLIENT_THREADS} client threads, PostgreSQL {DB_NAME}",
    }
    for name, r in results.items():
        figures[f"{name}_rps"] = r["rps"]
        figures[f"{name}_p50_ms"] = r["p50_ms"]
        figures[f"{name}_p95_ms"] = r["p95_ms"]
        figures[f"{name}_requests"] = r["requests"]
        figures[f"{name}_statuses"] = json.dumps(r["statuses"], sort_keys=True)
    figures["ratio_rps_consume_vs_trivial"] = round(c["rps"] / t["rps"], 2) if t["rps"] else None
    figures["ratio_p95_consume_vs_trivial"] = round(c["p95_ms"] / t["p95_ms"], 2) if t["p95_ms"] else None
    return figures


if __name__ == "__main__":
    result = main()
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    print(
        f"\nconsumption: {result['consume_rps']} req/s, p95 {result['consume_p95_ms']} ms; trivial view: "
        f"{result['trivial_rps']} req/s, p95 {result['trivial_p95_ms']} ms; "
        f"ratio (req/s) {result['ratio_rps_consume_vs_trivial']}"
    )
