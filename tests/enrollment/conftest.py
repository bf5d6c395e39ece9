from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from enrollment import hooks


@pytest.fixture
def no_completion_checks(monkeypatch: Any) -> Iterator[None]:
    """Enrollment's own rules, without the checks other apps register (the checklist has its own tests)."""
    monkeypatch.setattr(hooks, "COMPLETION_CHECKS", [])
    yield


@pytest.fixture
def blocking_check(monkeypatch: Any) -> Iterator[None]:
    monkeypatch.setattr(hooks, "COMPLETION_CHECKS", [lambda e, as_of: ["signed checklist missing"]])
    yield
