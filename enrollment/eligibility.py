"""Eligibility for Phase I as a table of rules (DOMAIN.md "Eligibility").

Each rule reads the applicant's facts and passes or fails with a message written for the applicant.
A blocking rule that fails stops the application; the case-based-series rule does not block: when it
fails, the Pre-Requisite Series is added to the applicant's requirements at no extra cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .models import Degree

QUALIFYING_DEGREE_LEVELS = frozenset({Degree.Level.MASTER, Degree.Level.DOCTORATE})


@dataclass(frozen=True)
class Facts:
    """What the rules look at, from a submitted form or from a stored profile."""

    as_of: date
    degree_levels: tuple[str, ...] = ()
    license_expiries: tuple[date, ...] = ()
    currently_practicing: bool = False
    populations_served: tuple[str, ...] = ()
    prior_case_based_series: bool = False

    @classmethod
    def from_profile(cls, profile: Any, as_of: date) -> Facts:
        return cls(
            as_of=as_of,
            degree_levels=tuple(d.level for d in profile.degrees.all()),
            license_expiries=tuple(lic.expires_on for lic in profile.licenses.all()),
            currently_practicing=profile.currently_practicing,
            populations_served=tuple(profile.populations_served or ()),
            prior_case_based_series=profile.prior_case_based_series,
        )


@dataclass(frozen=True)
class EligibilityRule:
    code: str
    title: str
    passes: Callable[[Facts], bool]
    failure: str
    field: str  # the form field the failure is shown beside
    blocking: bool = True


RULES: tuple[EligibilityRule, ...] = (
    EligibilityRule(
        code="degree",
        title="Master's degree or higher in the social sciences or equivalent",
        passes=lambda f: any(level in QUALIFYING_DEGREE_LEVELS for level in f.degree_levels),
        failure=(
            "A master's degree or higher (social sciences or equivalent: psychology, education, social "
            "work, nursing, OT/PT…) is required. The degrees given are below master's level."
        ),
        field="degree_level",
    ),
    EligibilityRule(
        code="license",
        title="A current license or similar designation",
        passes=lambda f: any(expiry >= f.as_of for expiry in f.license_expiries),
        failure="A current license is required. The license given has expired: renew it, then apply.",
        field="license_expires_on",
    ),
    EligibilityRule(
        code="practice",
        title="Current practice with children, youth, adults or families",
        passes=lambda f: f.currently_practicing and bool(f.populations_served),
        failure=(
            "Current practice with children, youth, adults or families is required: tick that you "
            "practise now and the populations you serve."
        ),
        field="currently_practicing",
    ),
    EligibilityRule(
        code="case_based_series",
        title="At least one NMT Case-based Training Series (10 sessions)",
        passes=lambda f: f.prior_case_based_series,
        failure=(
            "No NMT Case-based Training Series yet: the Pre-Requisite Series (10 sessions) is added to "
            "your Phase I requirements at no extra cost."
        ),
        field="prior_case_based_series",
        blocking=False,
    ),
)


@dataclass
class Outcome:
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(r["passed"] or not r["blocking"] for r in self.results)

    @property
    def prerequisite_required(self) -> bool:
        return any(r["code"] == "case_based_series" and not r["passed"] for r in self.results)

    def blocking_failures(self) -> dict[str, str]:
        return {r["field"]: r["message"] for r in self.results if r["blocking"] and not r["passed"]}


def evaluate(facts: Facts) -> Outcome:
    outcome = Outcome()
    for rule in RULES:
        passed = bool(rule.passes(facts))
        outcome.results.append(
            {
                "code": rule.code,
                "title": rule.title,
                "passed": passed,
                "blocking": rule.blocking,
                "field": rule.field,
                "message": "" if passed else rule.failure,
            }
        )
    return outcome
