from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def eager_celery(celery_eager: Any) -> Any:
    """Tasks queued on commit run at once, in the test process (the worker test uses a real worker)."""
    yield
