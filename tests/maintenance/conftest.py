from __future__ import annotations

from typing import Any

import pytest

from nmt_cert.celery import app as celery_app


@pytest.fixture
def eager_celery() -> Any:
    """Tasks queued on commit run at once, in the test process (the worker test uses a real worker)."""
    old = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = old
