"""Progress of checklists, for one enrollment or many at once with a constant number of queries.

Each requirement counts what it can: entries for sessions and items, months covered for the monthly
calls, the current policy agreement, and for the rest the providers other apps register
(requirements_tracking.providers). A signed checklist shows the progress frozen at signing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from enrollment.dates import share_elapsed
from enrollment.models import Enrollment, EnrollmentStatus, Phase, ProgramPolicy

from .models import (
    KIND_SOURCES,
    MANUAL_KINDS,
    CallAttendance,
    Checklist,
    ChecklistEntry,
    ChecklistRequirement,
    ChecklistStatus,
    Condition,
    Kind,
    PolicyAgreement,
    PolicyAgreementSignature,
    RequirementTemplate,
    TargetFrom,
)
from .providers import progress_from


@dataclass
class ItemProgress:
    code: str
    name: str
    kind: str
    done: int
    target: int
    detail: list[str] = field(default_factory=list)
    automatic: bool = False  # counted from other records, not ticked by hand
    requirement_id: int | None = None

    @property
    def met(self) -> bool:
        return self.done >= self.target

    @property
    def percent(self) -> int:
        if self.target <= 0:
            return 100
        return min(100, int(100 * self.done / self.target))


@dataclass
class ChecklistProgress:
    enrollment_id: int
    checklist_id: int | None
    checklist_status: str
    percent: int
    behind: bool
    complete: bool
    elapsed_percent: int
    items: list[ItemProgress]

    @property
    def checklist_status_label(self) -> str:
        return str(ChecklistStatus(self.checklist_status).label)

    @property
    def unmet(self) -> list[str]:
        return [f"{i.name}: {i.done} of {i.target}" for i in self.items if not i.met]


@dataclass
class ReqSpec:
    """A requirement as progress needs it: from a checklist row or, before one exists, a template."""

    code: str
    name: str
    kind: str
    target: int
    params: dict[str, Any]
    requirement_id: int | None = None
    signed_done: int | None = None
    signed_detail: list[str] = field(default_factory=list)
    item_labels: list[str] = field(default_factory=list)


def template_target(template: RequirementTemplate, policy: ProgramPolicy, phase2_trained: bool) -> int:
    if template.target_from == TargetFrom.ITEMS:
        return len(template.items.all())
    if template.target_from == TargetFrom.MAINTENANCE_REPORTS:
        return (
            policy.maintenance_reports_after_phase2
            if phase2_trained
            else policy.maintenance_reports_after_phase1
        )
    return template.target


def template_applies(template: RequirementTemplate, enrollment: Enrollment, phase2_trained: bool) -> bool:
    if template.condition == Condition.PREREQUISITE:
        return enrollment.prerequisite_required
    if template.condition == Condition.PHASE2_TRAINED:
        return phase2_trained
    return True


def phase2_trained_participants(participant_ids: Sequence[int]) -> set[int]:
    return set(
        Enrollment.objects.filter(
            participant_id__in=participant_ids, phase=Phase.PHASE_2, status=EnrollmentStatus.COMPLETED
        ).values_list("participant_id", flat=True)
    )


def specs_from_templates(
    enrollments: Sequence[Enrollment], policies: dict[int, ProgramPolicy]
) -> dict[int, list[ReqSpec]]:
    """What each enrollment's checklist will hold (for enrollments that have none yet). Three queries."""
    if not enrollments:
        return {}
    trained = phase2_trained_participants([e.participant_id for e in enrollments])
    templates = list(
        RequirementTemplate.objects.filter(policy_id__in={e.policy_id for e in enrollments})
        .prefetch_related("items")
        .order_by("order", "id")
    )
    by_key: dict[tuple[int, str], list[RequirementTemplate]] = defaultdict(list)
    for t in templates:
        by_key[(t.policy_id, t.phase)].append(t)
    out: dict[int, list[ReqSpec]] = {}
    for e in enrollments:
        is_trained = e.participant_id in trained
        out[e.pk] = [
            ReqSpec(
                code=t.code,
                name=t.name,
                kind=t.kind,
                target=template_target(t, policies[e.policy_id], is_trained),
                params=t.params or {},
                item_labels=[i.label for i in t.items.all()],
            )
            for t in by_key[(e.policy_id, e.phase)]
            if template_applies(t, e, is_trained)
        ]
    return out


def spec_from_row(r: ChecklistRequirement) -> ReqSpec:
    return ReqSpec(
        code=r.code,
        name=r.name,
        kind=r.kind,
        target=r.target,
        params=r.params or {},
        requirement_id=r.pk,
        signed_done=r.signed_done,
        signed_detail=list(r.signed_detail or []),
        item_labels=list(r.item_labels or []),
    )


def latest_checklists(enrollment_ids: Sequence[int]) -> dict[int, Checklist]:
    """The newest version of each enrollment's checklist, with its requirements. Two queries."""
    latest: dict[int, Checklist] = {}
    for c in Checklist.objects.filter(enrollment_id__in=enrollment_ids).order_by("enrollment_id", "version"):
        latest[c.enrollment_id] = c
    rows: dict[int, list[ChecklistRequirement]] = defaultdict(list)
    if latest:
        for r in ChecklistRequirement.objects.filter(checklist__in=list(latest.values())).order_by(
            "order", "id"
        ):
            rows[r.checklist_id].append(r)
    for c in latest.values():
        c.requirement_rows = rows[c.pk]  # type: ignore[attr-defined]
    return latest


def _month_label(d: date) -> str:
    return d.strftime("%B %Y")


def compute(
    enrollments: Sequence[Enrollment],
    specs: dict[int, list[ReqSpec]],
    checklists: dict[int, Checklist],
    policies: dict[int, ProgramPolicy],
    as_of: date,
) -> dict[int, ChecklistProgress]:
    """Counts for every spec of every enrollment; the number of queries depends only on how many
    distinct kinds of requirement there are, never on how many enrollments."""
    req_ids = [
        s.requirement_id for lst in specs.values() for s in lst if s.requirement_id and s.kind in MANUAL_KINDS
    ]
    entries: dict[int, list[tuple[int, date, str]]] = defaultdict(list)
    if req_ids:
        for rid, number, on, mode in ChecklistEntry.objects.filter(requirement_id__in=req_ids).values_list(
            "requirement_id", "number", "completed_on", "mode"
        ):
            entries[rid].append((number, on, mode))

    # Months covered by call attendance, per participant and series.
    needs_calls = any(s.kind == Kind.MONTHLY_CALLS for lst in specs.values() for s in lst)
    months: dict[tuple[int, str], dict[date, str]] = defaultdict(dict)
    if needs_calls:
        for uid, code, month, mode in CallAttendance.objects.filter(
            participant_id__in={e.participant_id for e in enrollments}, call_month__lte=as_of
        ).values_list("participant_id", "occurrence__series__code", "call_month", "mode"):
            months[(uid, code)].setdefault(month, mode)

    agreement_signers: set[int] = set()
    agreement: PolicyAgreement | None = None
    if any(s.kind == Kind.AGREEMENT for lst in specs.values() for s in lst):
        agreement = PolicyAgreement.objects.filter(published_at__date__lte=as_of).order_by("-version").first()
        if agreement is not None:
            agreement_signers = set(
                PolicyAgreementSignature.objects.filter(
                    agreement=agreement, user_id__in={e.participant_id for e in enrollments}
                ).values_list("user_id", flat=True)
            )

    # One provider call per (source, params) pair, for all the enrollments that need it.
    groups: dict[tuple[str, str], list[Enrollment]] = defaultdict(list)
    by_id = {e.pk: e for e in enrollments}
    for eid, lst in specs.items():
        for s in lst:
            if s.kind in KIND_SOURCES and s.signed_done is None:
                groups[(KIND_SOURCES[s.kind], json.dumps(s.params, sort_keys=True))].append(by_id[eid])
    provided: dict[tuple[str, str], dict[int, Any]] = {
        key: progress_from(key[0], members, json.loads(key[1]), as_of) for key, members in groups.items()
    }

    out: dict[int, ChecklistProgress] = {}
    for e in enrollments:
        checklist = checklists.get(e.pk)
        items: list[ItemProgress] = []
        for s in specs.get(e.pk, []):
            item = ItemProgress(s.code, s.name, s.kind, 0, s.target, requirement_id=s.requirement_id)
            item.automatic = s.kind not in MANUAL_KINDS
            if s.signed_done is not None:
                item.done, item.detail = s.signed_done, list(s.signed_detail)
            elif s.kind in MANUAL_KINDS:
                got = sorted(entries.get(s.requirement_id or 0, []))
                item.done = len(got)
                item.detail = [
                    f"{(s.item_labels[n - 1] if s.kind == Kind.ITEMS and n <= len(s.item_labels) else f'Session {n}')}"
                    f" · {on.isoformat()} · {mode}"
                    for n, on, mode in got
                ]
            elif s.kind == Kind.MONTHLY_CALLS:
                end = min(as_of, e.current_end)
                start_month = date(e.start_date.year, e.start_date.month, 1)
                covered: dict[date, str] = {}
                for code in s.params.get("series", []):
                    for month, mode in months.get((e.participant_id, code), {}).items():
                        if start_month <= month <= end:
                            covered.setdefault(month, mode)
                item.done = len(covered)
                item.detail = [f"{_month_label(m)} · {mode}" for m, mode in sorted(covered.items())]
            elif s.kind == Kind.AGREEMENT:
                signed = e.participant_id in agreement_signers
                item.done = 1 if signed else 0
                if agreement is not None:
                    item.detail = [f"Version {agreement.version} {'signed' if signed else 'not signed yet'}"]
            else:
                got_p = provided[(KIND_SOURCES[s.kind], json.dumps(s.params, sort_keys=True))][e.pk]
                item.done, item.detail = got_p.done, list(got_p.detail)
            items.append(item)
        total = sum(i.target for i in items)
        counted = sum(min(i.done, i.target) for i in items)
        percent = 100 if total == 0 else int(100 * counted / total)
        complete = all(i.met for i in items)
        elapsed = int(100 * share_elapsed(e.start_date, e.term_end, as_of))
        margin = policies[e.policy_id].behind_schedule_margin_percent
        out[e.pk] = ChecklistProgress(
            enrollment_id=e.pk,
            checklist_id=checklist.pk if checklist else None,
            checklist_status=checklist.status if checklist else "open",
            percent=percent,
            behind=(not complete) and percent < elapsed - margin,
            complete=complete,
            elapsed_percent=elapsed,
            items=items,
        )
    return out
