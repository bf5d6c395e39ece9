"""Health, deployment settings and the Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_database_and_broker() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_gone(settings: Any) -> None:
    from nmt_cert.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = Client().get("/healthz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("error")


def test_check_deploy_passes_with_production_settings() -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")},
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "x7!kq2-production-like-secret-key-with-plenty-of-entropy-93jd8a",
        "ALLOWED_HOSTS": "cert.example.org",
        "NMT_TESTING": "0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_security_settings_are_on_in_production_shape() -> None:
    # In tests DEBUG is on; the production values come from the environment (see check --deploy above).
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-ancestors"] == ["'none'"]


@pytest.mark.celery_worker
def test_a_real_worker_runs_a_task_through_the_configured_broker() -> None:
    from celery.contrib.testing.worker import start_worker

    from accounts.tasks import add
    from nmt_cert.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = add.delay(20, 22)
        assert result.get(timeout=30) == 42
    broker = settings.CELERY_BROKER_URL
    assert (
        broker.startswith("redis://") if os.environ.get("REDIS_URL") else broker.startswith("filesystem://")
    )
