"""The eligibility rules, one by one, and how a submission uses them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from enrollment import eligibility
from enrollment.models import Application, Degree, License, ParticipantProfile
from tests.enrollment.factories import application_data, submitted_application

TODAY = date(2026, 5, 1)


def facts(**kw: Any) -> eligibility.Facts:
    base: dict[str, Any] = {
        "as_of": TODAY,
        "degree_levels": ("master",),
        "license_expiries": (date(2027, 1, 1),),
        "currently_practicing": True,
        "populations_served": ("children",),
        "prior_case_based_series": True,
    }
    base.update(kw)
    return eligibility.Facts(**base)


def test_it_passes_an_eligible_clinician() -> None:
    outcome = eligibility.evaluate(facts())
    assert outcome.eligible and not outcome.prerequisite_required
    assert [r["code"] for r in outcome.results] == [r.code for r in eligibility.RULES]


@pytest.mark.parametrize(
    ("levels", "ok"),
    [
        (("bachelor",), False),
        (("other",), False),
        ((), False),
        (("master",), True),
        (("doctorate",), True),
        (("bachelor", "doctorate"), True),
    ],
)
def test_degree_rule_needs_masters_level_or_above(levels: tuple[str, ...], ok: bool) -> None:
    outcome = eligibility.evaluate(facts(degree_levels=levels))
    assert outcome.eligible is ok
    if not ok:
        assert "below master's level" in outcome.blocking_failures()["degree_level"]


@pytest.mark.parametrize(
    ("expiries", "ok"),
    [
        ((date(2026, 4, 30),), False),
        ((date(2026, 5, 1),), True),
        ((), False),
        ((date(2020, 1, 1), date(2030, 1, 1)), True),
    ],
)
def test_license_rule_needs_a_current_license(expiries: tuple[date, ...], ok: bool) -> None:
    outcome = eligibility.evaluate(facts(license_expiries=expiries))
    assert outcome.eligible is ok
    if not ok:
        assert "expired" in outcome.blocking_failures()["license_expires_on"]


@pytest.mark.parametrize(
    ("practising", "populations", "ok"),
    [(True, ("adults",), True), (False, ("adults",), False), (True, (), False)],
)
def test_practice_rule_needs_current_practice_with_a_population(
    practising: bool, populations: tuple[str, ...], ok: bool
) -> None:
    assert (
        eligibility.evaluate(facts(currently_practicing=practising, populations_served=populations)).eligible
        is ok
    )


def test_without_the_case_based_series_the_prerequisite_is_added_not_refused() -> None:
    outcome = eligibility.evaluate(facts(prior_case_based_series=False))
    assert outcome.eligible
    assert outcome.prerequisite_required
    assert not outcome.blocking_failures()


@pytest.mark.django_db
def test_it_refuses_an_application_with_an_expired_license_and_saves_nothing(cast: Any) -> None:
    bad = application_data(
        licenses=[
            {"license_type": "LPC", "number": "X1", "jurisdiction": "TX", "expires_on": date(2020, 1, 1)}
        ]
    )
    with pytest.raises(ValidationError) as exc:
        from enrollment import services

        services.application_submit(actor=cast.participant, participant=cast.participant, **bad)
    assert "license_expires_on" in exc.value.message_dict
    assert not Application.objects.exists()
    assert not ParticipantProfile.objects.exists() and not License.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_degree_below_masters_and_keeps_the_old_profile(cast: Any) -> None:
    submitted_application(cast.participant)
    from enrollment import services

    with pytest.raises(ValidationError) as exc:
        services.application_submit(
            actor=cast.participant,
            participant=cast.participant,
            **application_data(
                degrees=[{"level": "bachelor", "field": "Art", "institution": "C", "year": 2010}]
            ),
        )
    assert "degree_level" in exc.value.message_dict
    assert list(Degree.objects.values_list("level", flat=True)) == ["master"]


@pytest.mark.django_db
def test_the_submission_records_the_rules_outcome_and_flags_the_prerequisite(cast: Any) -> None:
    application = submitted_application(cast.participant, prior_case_based_series=False)
    assert application.prerequisite_required
    assert {r["code"]: r["passed"] for r in application.eligibility} == {
        "degree": True,
        "license": True,
        "practice": True,
        "case_based_series": False,
    }
