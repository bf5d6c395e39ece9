"""`make bench`: run every benchmark of the project and write a table to bench/results.md.

Each benchmark is a module in bench/ with a `main() -> dict` returning its figures (and, where it has
one, the floor it is compared with and the ratio). Modules that are not there yet are listed as such.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCHMARKS = [
    ("Token consumption through the API", "tokens_api"),
    ("Daily rule job over 100,000 enrollments", "rules_daily"),
    ("Certificates: one PDF and a bulk job of 1,000", "certificates"),
    ("Staff pages under load (50,000 participants)", "pages_load"),
]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()} · {os.cpu_count()} cores · {cpu} · {mem:.0f} GiB · Python {platform.python_version()}"


def run_one(module_name: str) -> dict:
    """Each benchmark runs in its own process so one's memory does not colour the next's figures."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); import bench.{module_name} as m; "
        "print('BENCH-RESULT ' + json.dumps(m.main(), default=str))"
    )
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=900)
    elapsed = time.perf_counter() - started
    sys.stdout.write(out.stdout)
    sys.stderr.write(out.stderr[-4000:])
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("BENCH-RESULT "):
            result = json.loads(line.removeprefix("BENCH-RESULT "))
            result.setdefault("wall_seconds", round(elapsed, 1))
            return result
    return {"error": f"exit {out.returncode}", "wall_seconds": round(elapsed, 1)}


def main() -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nmt_bench")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    rows = []
    for title, name in BENCHMARKS:
        if not (HERE / f"{name}.py").exists():
            rows.append((title, {"status": "not written yet"}))
            continue
        print(f"\n=== {title} ({name}) ===", flush=True)
        rows.append((title, run_one(name)))
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        "",
        "| benchmark | figure | value |",
        "|---|---|---|",
    ]
    for title, figures in rows:
        for key, value in figures.items():
            lines.append(f"| {title} | {key} | {value} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
