"""The December 2025 templates give DOMAIN.md's counts, and checklists are made from them."""

from __future__ import annotations

from typing import Any

import pytest

from enrollment.models import Enrollment, EnrollmentStatus, Phase
from requirements_tracking.models import Checklist, Kind, RequirementTemplate
from requirements_tracking.selectors import checklist_for

from .factories import open_enrollment, policy

pytestmark = pytest.mark.django_db


def _targets(enrollment: Enrollment) -> dict[str, int]:
    checklist = checklist_for(enrollment)
    return {r.code: r.target for r in checklist.requirements.all()}


def test_it_makes_the_phase_one_checklist_when_the_enrollment_starts(cast: Any) -> None:
    enrollment = open_enrollment(cast.participant)
    assert Checklist.objects.filter(enrollment=enrollment, version=1).exists()
    targets = _targets(enrollment)
    assert targets["core_series"] == 10
    assert targets["case_seminars"] == 10
    assert targets["metric_training"] == 2
    assert (targets["reports_typical"], targets["reports_fidelity"], targets["reports_client"]) == (2, 1, 7)
    assert targets["reports_typical"] + targets["reports_fidelity"] + targets["reports_client"] == 10
    assert targets["readings"] == 2  # the two books
    assert targets["study_group"] == 24  # two calls a month
    assert targets["metric_calls"] == 10 and targets["community_calls"] == 10  # 12 months minus July/August
    assert targets["fidelity_exercise"] == 1
    assert targets["policy_agreement"] == 1
    assert "prerequisite_series" not in targets


def test_it_adds_the_prerequisite_series_when_flagged(cast: Any) -> None:
    enrollment = open_enrollment(cast.participant, prerequisite_required=True)
    assert _targets(enrollment)["prerequisite_series"] == 10


def test_phase_two_counts(cast: Any) -> None:
    targets = _targets(open_enrollment(cast.participant, phase=Phase.PHASE_2))
    assert targets["ttt_intro"] == 1 and targets["trainer_series"] == 11
    assert targets["dev_trauma"] == 12 and targets["advanced_case"] == 10
    assert targets["metric_reports"] == 20
    assert targets["ttt_materials"] == 2
    assert {
        "trainer_study_group",
        "facilitation",
        "metric_calls",
        "community_calls",
        "policy_agreement",
    } <= set(targets)


def test_maintenance_reports_follow_the_policy_by_training_level(cast: Any) -> None:
    phase1_trained = open_enrollment(cast.participant, phase=Phase.MAINTENANCE)
    assert _targets(phase1_trained)["metric_reports"] == policy().maintenance_reports_after_phase1 == 5
    assert "trainer_activities" not in _targets(phase1_trained)

    done = open_enrollment(cast.trainer, phase=Phase.PHASE_2)
    Enrollment.objects.filter(pk=done.pk).update(status=EnrollmentStatus.COMPLETED)
    phase2_trained = open_enrollment(cast.trainer, phase=Phase.MAINTENANCE)
    targets = _targets(phase2_trained)
    assert targets["metric_reports"] == policy().maintenance_reports_after_phase2 == 10
    assert "trainer_activities" in targets
    assert targets["fidelity_exercise"] == 1 and targets["policy_agreement"] == 1


def test_recertification_has_requirements_and_every_phase_has_the_agreement(cast: Any) -> None:
    for phase in Phase.values:
        kinds = set(
            RequirementTemplate.objects.filter(policy=policy(), phase=phase).values_list("kind", flat=True)
        )
        assert Kind.AGREEMENT in kinds, phase


def test_it_makes_a_checklist_lazily_for_an_existing_enrollment(cast: Any) -> None:
    enrollment = open_enrollment(cast.participant, status=EnrollmentStatus.PENDING)  # no started hook
    assert not Checklist.objects.filter(enrollment=enrollment).exists()
    checklist = checklist_for(enrollment)
    assert checklist.version == 1 and checklist.requirements.count() > 5
    assert checklist_for(enrollment).pk == checklist.pk


def test_template_edits_reach_new_checklists_only(cast: Any) -> None:
    first = open_enrollment(cast.participant)
    RequirementTemplate.objects.filter(policy=policy(), phase=Phase.PHASE_1, code="core_series").update(
        target=12
    )
    second = open_enrollment(cast.other_participant)
    assert _targets(first)["core_series"] == 10
    assert _targets(second)["core_series"] == 12
