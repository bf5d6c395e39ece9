"""A table of dated scenarios run through the rule engine with an explicit as_of (December 2025 policy:
Phase I 12 months + 6 free + 6 per continuation fee; Phase II 24 + 6; Maintenance and
Re-Certification 12, no extensions; lapse threshold and Maintenance start window 12 months)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from accounts.models import AuditEntry
from enrollment.models import Enrollment
from maintenance import rules
from maintenance.models import RecertificationRequirement

from .factories import enrollment


@dataclass
class Scenario:
    name: str
    phase: str
    start: date
    status: str
    as_of: date
    expect_status: str
    expect_rules: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    expect_fields: dict[str, Any] = field(default_factory=dict)
    expect_marker: bool = False


SCENARIOS = [
    Scenario("phase1 term not yet ended", "phase1", date(2026, 1, 15), "active", date(2027, 1, 14), "active"),
    Scenario(
        "phase1 term ending starts the free extension",
        "phase1",
        date(2026, 1, 15),
        "active",
        date(2027, 1, 15),
        "free_extension",
        ["term_ended_free_extension"],
        expect_fields={"extension_end": date(2027, 7, 15), "free_extension_months": 6},
    ),
    Scenario(
        "phase1 free extension still running",
        "phase1",
        date(2026, 1, 15),
        "free_extension",
        date(2027, 7, 14),
        "free_extension",
        fields={"extension_end": date(2027, 7, 15), "free_extension_months": 6},
    ),
    Scenario(
        "phase1 free extension ended: continuation fee due",
        "phase1",
        date(2026, 1, 15),
        "free_extension",
        date(2027, 7, 15),
        "awaiting_fee",
        ["free_extension_ended"],
        fields={"extension_end": date(2027, 7, 15), "free_extension_months": 6},
    ),
    Scenario(
        "phase1 paid continuation ended: another fee due",
        "phase1",
        date(2026, 1, 15),
        "continuation",
        date(2028, 1, 15),
        "awaiting_fee",
        ["continuation_ended"],
        fields={
            "extension_end": date(2027, 7, 15),
            "free_extension_months": 6,
            "paid_through": date(2028, 1, 15),
        },
    ),
    Scenario(
        "phase1 job down for months: extension and its end in one run",
        "phase1",
        date(2026, 1, 15),
        "active",
        date(2027, 9, 1),
        "awaiting_fee",
        ["term_ended_free_extension", "free_extension_ended"],
    ),
    Scenario(
        "phase1 free extension already used: straight to the fee",
        "phase1",
        date(2026, 1, 15),
        "active",
        date(2027, 1, 15),
        "awaiting_fee",
        ["term_ended_awaiting_fee"],
        fields={"free_extension_months": 6},
    ),
    Scenario(
        "phase2 24-month term ends",
        "phase2",
        date(2025, 12, 1),
        "active",
        date(2027, 12, 1),
        "free_extension",
        ["term_ended_free_extension"],
        expect_fields={"extension_end": date(2028, 6, 1)},
    ),
    Scenario(
        "maintenance year running",
        "maintenance",
        date(2026, 3, 1),
        "active",
        date(2027, 2, 28),
        "active",
    ),
    Scenario(
        "maintenance year ended: renewal due",
        "maintenance",
        date(2026, 3, 1),
        "active",
        date(2027, 3, 1),
        "renewal_due",
        ["maintenance_year_ended"],
    ),
    Scenario(
        "maintenance not renewed for 11 months: still renewable",
        "maintenance",
        date(2026, 3, 1),
        "renewal_due",
        date(2028, 2, 1),
        "renewal_due",
    ),
    Scenario(
        "maintenance not renewed for 13 months: lapsed",
        "maintenance",
        date(2026, 3, 1),
        "renewal_due",
        date(2028, 4, 1),
        "lapsed",
        ["maintenance_lapsed"],
        expect_fields={"ended_on": date(2028, 3, 1)},
    ),
    Scenario(
        "maintenance never renewed, job down: renewal due then lapsed in one run",
        "maintenance",
        date(2026, 3, 1),
        "active",
        date(2028, 4, 1),
        "lapsed",
        ["maintenance_year_ended", "maintenance_lapsed"],
    ),
    Scenario(
        "re-certification runs out: lapsed, no extension",
        "recertification",
        date(2026, 5, 1),
        "active",
        date(2027, 5, 1),
        "lapsed",
        ["term_ended_no_extensions"],
        expect_fields={"ended_on": date(2027, 5, 1)},
    ),
    Scenario(
        "leap-day start: term ends 28 Feb, extension counted from the start",
        "phase1",
        date(2028, 2, 29),
        "active",
        date(2029, 2, 28),
        "free_extension",
        ["term_ended_free_extension"],
        expect_fields={"term_end": date(2029, 2, 28), "extension_end": date(2029, 8, 29)},
    ),
    Scenario(
        "phase2 graduate who never started Maintenance, within the window",
        "phase2",
        date(2024, 6, 1),
        "completed",
        date(2027, 6, 29),
        "completed",
        fields={"completed_on": date(2026, 6, 30)},
    ),
    Scenario(
        "phase2 graduate who never started Maintenance: Re-Certification required",
        "phase2",
        date(2024, 6, 1),
        "completed",
        date(2027, 6, 30),
        "completed",
        ["maintenance_not_started"],
        fields={"completed_on": date(2026, 6, 30)},
        expect_marker=True,
    ),
]


@pytest.fixture(autouse=True)
def _requirements_met(monkeypatch: Any) -> None:
    """Maintenance years count as complete here; test_flags covers unmet requirements."""
    from enrollment import hooks

    monkeypatch.setattr(hooks, "COMPLETION_CHECKS", [])


@pytest.mark.parametrize("s", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(cast: Any, s: Scenario) -> None:
    e = enrollment(cast.participant, s.phase, s.start, s.status, **s.fields)
    planned = rules.evaluate(s.as_of)
    assert [d.rule for d in planned] == s.expect_rules[:1]

    summary = rules.apply(s.as_of)

    e.refresh_from_db()
    assert e.status == s.expect_status
    assert [d.rule for d in summary.decisions] == s.expect_rules
    for name, value in s.expect_fields.items():
        assert getattr(e, name) == value, name
    moves = [r for r in s.expect_rules if rules.RULES_BY_NAME[r].new]
    audit = AuditEntry.objects.filter(action="enrollment.status_changed", target_id=str(e.pk))
    assert sorted(a.changes["rule"] for a in audit) == sorted(moves)
    assert all(a.actor_label == "system" and a.subject_user_id == cast.participant.pk for a in audit)
    assert RecertificationRequirement.objects.filter(source_enrollment=e).exists() == s.expect_marker


def test_a_phase1_graduate_who_went_on_to_phase2_needs_no_recertification(cast: Any) -> None:
    enrollment(cast.participant, "phase1", date(2024, 1, 1), "completed", completed_on=date(2025, 1, 1))
    enrollment(cast.participant, "phase2", date(2025, 2, 1), "active")
    rules.apply(date(2026, 2, 1))
    assert not RecertificationRequirement.objects.exists()


def test_a_graduate_who_started_maintenance_needs_no_recertification(cast: Any) -> None:
    grad = enrollment(
        cast.participant, "phase1", date(2024, 1, 1), "completed", completed_on=date(2025, 1, 1)
    )
    enrollment(cast.participant, "maintenance", date(2025, 3, 1), "active", previous=grad)
    summary = rules.apply(date(2026, 1, 2))
    assert "maintenance_not_started" not in summary.by_rule


def test_numbers_come_from_the_enrollments_policy_version(cast: Any) -> None:
    from .factories import policy

    old = policy()
    new = type(old).objects.create(
        name="Test 2027", effective_from=date(2027, 1, 1), lapse_threshold_months=3, reminder_days=[7]
    )
    for r in old.phase_rules.all():
        r.pk, r.policy = None, new
        r.save()
    a = enrollment(cast.participant, "maintenance", date(2026, 3, 1), "renewal_due", policy=old)
    b = enrollment(cast.other_participant, "maintenance", date(2026, 3, 1), "renewal_due", policy=new)
    rules.apply(date(2027, 6, 1))  # 3 months after the year's end
    assert Enrollment.objects.get(pk=a.pk).status == "renewal_due"
    assert Enrollment.objects.get(pk=b.pk).status == "lapsed"


def test_every_rule_move_is_in_the_transition_table() -> None:
    from enrollment.services import ALLOWED_TRANSITIONS

    for info in rules.RULES:
        if info.new:
            assert info.new in ALLOWED_TRANSITIONS[info.old], info.name
