"""Reads shared by pages, the API and other apps (mentor console, staff queues, rule engine)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import needs_mfa_setup
from accounts.roles import is_staff_member
from enrollment.models import Enrollment, ProgramPolicy

from .access import CHECKLIST_READERS
from .models import Checklist, ChecklistEntry, ChecklistRequirement, ChecklistStatus, PolicyAgreementSignature
from .progress import (
    ChecklistProgress,
    ItemProgress,
    compute,
    latest_checklists,
    spec_from_row,
    specs_from_templates,
)
from .services import checklist_get_or_create, current_agreement

__all__ = [
    "ChecklistProgress",
    "ItemProgress",
    "checklist_for",
    "checklist_progress",
    "current_checklist",
    "progress_for_enrollments",
]


def progress_for_enrollments(enrollments: Iterable[Enrollment], as_of: date) -> dict[int, ChecklistProgress]:
    """Progress of each enrollment's newest checklist (or, before it exists, of its templates), keyed
    by enrollment id. The number of queries does not depend on the number of enrollments."""
    enrollments = list(enrollments)
    if not enrollments:
        return {}
    policies = {p.pk: p for p in ProgramPolicy.objects.filter(pk__in={e.policy_id for e in enrollments})}
    checklists = latest_checklists([e.pk for e in enrollments])
    specs = {
        eid: [spec_from_row(r) for r in c.requirement_rows]  # type: ignore[attr-defined]
        for eid, c in checklists.items()
    }
    missing = [e for e in enrollments if e.pk not in checklists]
    specs.update(specs_from_templates(missing, policies))
    return compute(enrollments, specs, checklists, policies, as_of)


def checklist_for(enrollment: Enrollment) -> Checklist:
    """The enrollment's current checklist (its newest version), made on first use. It writes: pages
    and API reads use `current_checklist`."""
    return checklist_get_or_create(enrollment)


def current_checklist(enrollment: Enrollment) -> Checklist | None:
    """The enrollment's newest checklist version; None for an enrollment that has none yet (one that
    started before checklists were kept here, or a finished phase imported from the earlier records)."""
    return Checklist.objects.filter(enrollment=enrollment).order_by("-version").first()


def checklist_progress(checklist: Checklist, as_of: date) -> ChecklistProgress:
    """Progress of this version of a checklist (an older, signed version shows what was signed)."""
    enrollment = checklist.enrollment
    rows = list(ChecklistRequirement.objects.filter(checklist=checklist).order_by("order", "id"))
    return compute(
        [enrollment],
        {enrollment.pk: [spec_from_row(r) for r in rows]},
        {enrollment.pk: checklist},
        {enrollment.policy_id: enrollment.policy},
        as_of,
    )[enrollment.pk]


def checklists_visible_to(user: Any) -> QuerySet[Checklist]:
    qs = Checklist.objects.select_related("enrollment__participant", "enrollment__policy", "attestation")
    if is_staff_member(user) and not needs_mfa_setup(user):  # staff see everything once MFA is on
        return qs
    visible = Q(enrollment__participant=user)
    for rule in CHECKLIST_READERS:  # e.g. a mentor and the members of the groups they lead
        visible |= Q(enrollment__participant_id__in=rule(user))
    return qs.filter(visible)


def get_checklist_for_user(user: Any, pk: int) -> Checklist:
    checklist = checklists_visible_to(user).filter(pk=pk).first()
    if checklist is None:
        raise Http404("No such checklist.")
    return checklist


def get_requirement_for_user(user: Any, checklist_pk: int, pk: int) -> ChecklistRequirement:
    checklist = get_checklist_for_user(user, checklist_pk)
    requirement = ChecklistRequirement.objects.filter(checklist=checklist, pk=pk).first()
    if requirement is None:
        raise Http404("No such requirement.")
    requirement.checklist = checklist
    return requirement


def get_entry_for_user(user: Any, pk: int) -> ChecklistEntry:
    entry = (
        ChecklistEntry.objects.select_related("requirement__checklist__enrollment")
        .filter(pk=pk, requirement__checklist__in=checklists_visible_to(user))
        .first()
    )
    if entry is None:
        raise Http404("No such entry.")
    return entry


def entries_by_requirement(checklist: Checklist) -> dict[int, list[ChecklistEntry]]:
    out: dict[int, list[ChecklistEntry]] = {}
    for entry in (
        ChecklistEntry.objects.filter(requirement__checklist=checklist)
        .select_related("requirement")
        .order_by("number")
    ):
        out.setdefault(entry.requirement_id, []).append(entry)
    return out


def versions_of(checklist: Checklist) -> QuerySet[Checklist]:
    return Checklist.objects.filter(enrollment_id=checklist.enrollment_id).order_by("-version")


def review_queue() -> QuerySet[Checklist]:
    return (
        Checklist.objects.filter(status=ChecklistStatus.SIGNED)
        .select_related("enrollment__participant", "enrollment__policy")
        .order_by("signed_at")
    )


def agreement_state(user: Any) -> tuple[Any, PolicyAgreementSignature | None]:
    """The current policy agreement and the user's signature of it (None: not signed yet)."""
    agreement = current_agreement()
    if agreement is None:
        return None, None
    return agreement, PolicyAgreementSignature.objects.filter(agreement=agreement, user=user).first()
