"""Enrollments in any state and date, made directly (the rule engine is what is under test)."""

from __future__ import annotations

from datetime import date
from typing import Any

from enrollment.dates import add_months
from enrollment.models import Enrollment, ProgramPolicy


def policy() -> ProgramPolicy:
    if not ProgramPolicy.objects.filter(name="December 2025").exists():
        # A transactional test elsewhere flushed the tables: seed the policy again, as the migration does.
        from importlib import import_module

        from django.apps import apps

        import_module("enrollment.migrations.0002_december_2025_policy").seed(apps, None)
    return ProgramPolicy.objects.prefetch_related("phase_rules").get(name="December 2025")


def enrollment(
    participant: Any, phase: str, start: date, status: str = "active", **fields: Any
) -> Enrollment:
    pol = fields.pop("policy", None) or policy()
    term = pol.rule(phase).term_months
    fields.setdefault("term_end", add_months(start, term))
    return Enrollment.objects.create(
        participant=participant, phase=phase, policy=pol, status=status, start_date=start, **fields
    )
