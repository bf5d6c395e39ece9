"""Helpers for the metrics_tokens tests: enrollments opened through the enrollment services, so the
started hooks (the annual grant, fidelity assignment) run as in production."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enrollment.models import Enrollment
from enrollment.services import enrollment_open


def open_enrollment(
    user: Any, phase: str, start: date, *, actor: Any = None, year_number: int = 1
) -> Enrollment:
    return enrollment_open(
        actor=actor, participant=user, phase=phase, start_date=start, year_number=year_number
    )


def upload(name: str = "case.pdf", content: bytes = b"%PDF-1.4 case abstract") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def enroll() -> Any:
    return open_enrollment


@pytest.fixture
def program_policy(transactional_db: Any) -> None:
    """For transactional tests: the December 2025 policy comes from a data migration, which an earlier
    transactional test's flush may have removed; put it back (flush keeps content types, not data)."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from enrollment.models import ProgramPolicy

    ContentType.objects.clear_cache()
    if not ProgramPolicy.objects.exists():
        import_module("enrollment.migrations.0002_december_2025_policy").seed(apps, None)
