"""Who besides the owner and staff may read a participant's checklist and evidence.

The study-groups app knows which mentor leads whose group; it may register a function that answers,
for a user, the ids of the participants whose checklists that user may read (never change):

    from requirements_tracking.access import register_checklist_readers

    def mentees(user):  # -> iterable of participant ids, or a values_list queryset
        return Membership.objects.filter(group__mentors=user, status="active").values_list("participant_id")

    register_checklist_readers(mentees)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

ReaderRule = Callable[[Any], Iterable[Any]]
CHECKLIST_READERS: list[ReaderRule] = []


def register_checklist_readers(fn: ReaderRule) -> ReaderRule:
    if fn not in CHECKLIST_READERS:
        CHECKLIST_READERS.append(fn)
    return fn
