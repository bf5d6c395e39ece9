"""The rules, as data: which enrollments a rule moves, from which status to which, and when it is due.

Every number comes from the enrollment's policy version. Because there are few versions, each rule is
expanded per (policy version, phase) into a `Step` whose numbers are plain SQL parameters: a run costs
a fixed number of statements per step, whatever the number of enrollments.

Dates follow enrollment.dates: an end date is the first day *outside* the period, so a period has
ended on `as_of` when `end <= as_of`.

Decision recorded here (DOMAIN.md says "up to 6 months, at no cost"): the free extension is
**automatic**. When a training phase's term ends and the policy allows a free extension that has not
been used, the enrollment moves to "free extension" up to the policy's limit, counted from the start
(start + term + free extension months, never chained). Completing earlier simply ends it sooner. Only
when no free extension remains does the participant owe the continuation fee.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import DateField, Exists, F, OuterRef, Q, Value
from django.db.models.expressions import Combinable
from django.db.models.lookups import LessThanOrEqual

from enrollment.models import Enrollment, EnrollmentStatus, Phase, ProgramPolicy
from enrollment.services import ALLOWED_TRANSITIONS

from ..db import AddMonths
from ..models import RecertificationRequirement, YearEndCheck

S = EnrollmentStatus


@dataclass(frozen=True)
class RuleInfo:
    name: str
    description: str
    old: str = ""
    new: str = ""  # empty for rules that flag or mark instead of moving status


# The rules in the order a run applies them: a row moved by an earlier rule is seen by a later one in
# the same run, so an enrollment the job has not seen for months still lands where it belongs.
RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        "term_ended_free_extension",
        "The term ended; the policy's free extension starts (no cost).",
        S.ACTIVE,
        S.FREE_EXTENSION,
    ),
    RuleInfo(
        "term_ended_awaiting_fee",
        "The term ended and no free extension remains: the continuation fee is due.",
        S.ACTIVE,
        S.AWAITING_FEE,
    ),
    RuleInfo(
        "free_extension_ended",
        "The free extension ended: the continuation fee is due for more time.",
        S.FREE_EXTENSION,
        S.AWAITING_FEE,
    ),
    RuleInfo(
        "continuation_ended",
        "The paid continuation ended: another continuation fee is due for more time.",
        S.CONTINUATION,
        S.AWAITING_FEE,
    ),
    RuleInfo(
        "term_ended_no_extensions",
        "The term ended and this phase has no extensions (Re-Certification): the enrollment lapses.",
        S.ACTIVE,
        S.LAPSED,
    ),
    RuleInfo(
        "maintenance_year_ended", "The Maintenance year ended: renewal is due.", S.ACTIVE, S.RENEWAL_DUE
    ),
    RuleInfo(
        "maintenance_lapsed",
        "Maintenance was not renewed within the policy's lapse threshold: it lapsed, and "
        "Re-Certification is required before renewing.",
        S.RENEWAL_DUE,
        S.LAPSED,
    ),
    RuleInfo(
        "maintenance_not_started",
        "Phase I or II was completed and no Maintenance started within the policy's window: "
        "Re-Certification is required.",
    ),
    RuleInfo(
        "maintenance_requirements_unmet",
        "The Maintenance year ended with requirements unmet: flagged for a staff decision.",
    ),
)
RULES_BY_NAME = {r.name: r for r in RULES}
RULE_ORDER = {r.name: i for i, r in enumerate(RULES)}


def check_against_transition_table() -> None:
    """The transition table in enrollment.services is the single source of allowed moves."""
    for info in RULES:
        if info.new and info.new not in ALLOWED_TRANSITIONS.get(info.old, frozenset()):
            raise AssertionError(f"Rule {info.name} moves {info.old} → {info.new}, which the table refuses.")


check_against_transition_table()


@dataclass(frozen=True)
class Step:
    """One status rule for one policy version (and phase): the rows it moves and the fields it sets."""

    rule: str
    policy_id: int
    where: Q
    due: Combinable  # the date the move becomes due
    updates: dict[str, Any] = field(default_factory=dict)  # field -> value or expression

    @property
    def info(self) -> RuleInfo:
        return RULES_BY_NAME[self.rule]

    def candidates(self, as_of: date, annotate: bool = True) -> Any:
        """Enrollments this step moves on `as_of` (one query, whatever their number). Without
        `annotate`, the due date is only compared, so the queryset can be turned into an UPDATE."""
        rows = Enrollment.objects.filter(self.where, policy_id=self.policy_id, status=self.info.old)
        if not annotate:
            return rows.filter(LessThanOrEqual(self.due, Value(as_of, DateField())))
        return rows.annotate(due_on=self.due).filter(due_on__lte=as_of)


def _policy_steps(policy: ProgramPolicy) -> Iterable[Step]:
    for rule in policy.phase_rules.all():
        phase_q = Q(phase=rule.phase)
        if rule.phase == Phase.MAINTENANCE:
            yield Step("maintenance_year_ended", policy.pk, phase_q, F("term_end"))
            lapse_on = AddMonths(F("term_end"), policy.lapse_threshold_months)
            yield Step("maintenance_lapsed", policy.pk, phase_q, lapse_on, {"ended_on": lapse_on})
        elif not rule.extensions_allowed:
            yield Step(
                "term_ended_no_extensions", policy.pk, phase_q, F("term_end"), {"ended_on": F("term_end")}
            )
        else:
            free = rule.free_extension_months
            if free > 0:
                yield Step(
                    "term_ended_free_extension",
                    policy.pk,
                    phase_q & Q(free_extension_months__lt=free),
                    F("term_end"),
                    {
                        "free_extension_months": free,
                        "extension_end": AddMonths(F("start_date"), rule.term_months + free),
                    },
                )
            yield Step(
                "term_ended_awaiting_fee",
                policy.pk,
                phase_q & Q(free_extension_months__gte=free),
                F("term_end"),
            )
            yield Step(
                "free_extension_ended",
                policy.pk,
                phase_q & Q(extension_end__isnull=False),
                F("extension_end"),
            )
            yield Step(
                "continuation_ended", policy.pk, phase_q & Q(paid_through__isnull=False), F("paid_through")
            )


def policies() -> list[ProgramPolicy]:
    return list(ProgramPolicy.objects.prefetch_related("phase_rules").order_by("pk"))


def status_steps(policy_list: list[ProgramPolicy]) -> list[Step]:
    steps = [step for policy in policy_list for step in _policy_steps(policy)]
    return sorted(steps, key=lambda s: RULE_ORDER[s.rule])


def maintenance_not_started_candidates(policy: ProgramPolicy, as_of: date) -> Any:
    """Phase I/II graduates with no later enrollment (Phase II, Maintenance, Re-Certification) once the
    policy's window has passed, and no Re-Certification requirement recorded for it yet."""
    moved_on = Enrollment.objects.filter(
        participant_id=OuterRef("participant_id"),
        phase__in=[Phase.PHASE_2, Phase.MAINTENANCE, Phase.RECERTIFICATION],
        start_date__gte=OuterRef("start_date"),
    ).exclude(pk=OuterRef("pk"))
    marked = RecertificationRequirement.objects.filter(source_enrollment_id=OuterRef("pk"))
    return (
        Enrollment.objects.filter(
            policy_id=policy.pk,
            phase__in=[Phase.PHASE_1, Phase.PHASE_2],
            status=S.COMPLETED,
            completed_on__isnull=False,
        )
        .annotate(due_on=AddMonths(F("completed_on"), policy.maintenance_start_window_months))
        .filter(due_on__lte=as_of)
        .filter(~Exists(moved_on), ~Exists(marked))
    )


def year_end_candidates(as_of: date) -> Any:
    """Maintenance years that ended (renewal due) and were not checked yet."""
    checked = YearEndCheck.objects.filter(enrollment_id=OuterRef("pk"))
    return (
        Enrollment.objects.filter(phase=Phase.MAINTENANCE, status=S.RENEWAL_DUE, term_end__lte=as_of)
        .annotate(due_on=F("term_end"))
        .filter(~Exists(checked))
    )
