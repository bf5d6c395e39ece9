"""A mentor reads the checklists (and evidence) of the members of the groups they lead, and no one else's."""

from __future__ import annotations

from typing import Any

import pytest

from requirements_tracking.selectors import checklist_for, checklists_visible_to
from study_groups import services
from tests.study_groups.factories import enroll, group

pytestmark = pytest.mark.django_db


def test_a_mentor_reads_their_members_checklists_and_changes_nothing(cast: Any) -> None:
    enrollment = enroll(cast.participant)
    other = enroll(cast.other_participant)
    led = group(cast.mentor)
    services.membership_add(actor=cast.mentor, group=led, participant=cast.participant)
    mine, theirs = checklist_for(enrollment), checklist_for(other)

    visible = set(checklists_visible_to(cast.mentor).values_list("pk", flat=True))
    assert mine.pk in visible and theirs.pk not in visible
    assert not checklists_visible_to(cast.other_mentor).filter(pk=mine.pk).exists()

    mentor = cast.client_for("mentor")
    assert mentor.get(f"/requirements/checklists/{mine.pk}/").status_code == 200
    assert mentor.get(f"/requirements/checklists/{theirs.pk}/").status_code == 404
    assert cast.client_for("other_mentor").get(f"/requirements/checklists/{mine.pk}/").status_code == 404
    requirement = mine.requirements.order_by("order").first()
    response = mentor.post(
        f"/requirements/checklists/{mine.pk}/requirements/{requirement.pk}/record/",
        {"number": 1, "completed_on": "2026-02-01", "mode": "recording"},
    )
    assert response.status_code in (302, 403)
    assert not requirement.entries.exists()
