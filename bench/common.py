"""What the benchmarks share: each runs against its own PostgreSQL database (on the server of
DATABASE_URL), with an in-memory broker, production settings and quiet logs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
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
