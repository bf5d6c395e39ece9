from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

# Most study-group tests happen on Friday 20 March 2026, noon UTC: the 1st and 3rd Tuesday meetings
# of January, February and 3 March and 17 March have taken place.
NOW = "2026-03-20T12:00:00+00:00"


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def eager_celery(celery_eager: Any) -> Iterator[None]:
    """Run queued tasks in-process (the e-mails they send land in mail.outbox)."""
    yield
