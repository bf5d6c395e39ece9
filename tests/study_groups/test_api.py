from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from study_groups import services
from study_groups.models import Attendance, Membership, MembershipStatus

from . import factories as f

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


def test_a_mentor_manages_the_roster_through_the_api(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor, capacity=1)
    other = f.group(cast.mentor)
    client = cast.client_for("mentor")
    base = f"/api/v1/study-groups/{group.pk}/"
    first, second = f.participant(), f.participant()
    r = client.post(base + "members/", {"participant_email": first.email}, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "active"
    r = client.post(base + "members/", {"participant_email": second.email}, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "waitlisted"
    member = Membership.objects.get(participant=first)
    r = client.post(
        base + f"members/{member.pk}/transfer/", {"to_group": other.pk}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["participant"]["email"] == first.email
    assert Membership.objects.get(participant=second).status == MembershipStatus.ACTIVE  # promoted
    roster = client.get(base + "members/?history=1").json()
    assert {m["status"] for m in roster} == {"ended", "active"}


def test_bad_input_answers_the_error_shape_and_changes_nothing(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    client = cast.client_for("mentor")
    base = f"/api/v1/study-groups/{group.pk}/"
    r = client.post(
        base + "members/",
        {"participant_email": cast.other_participant.email},
        content_type="application/json",
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_enrolled"
    assert "no enrolled Phase I enrollment" in r.json()["error"]["message"]
    member = services.membership_add(
        actor=cast.mentor, group=group, participant=f.participant(), at=f.at(2026, 1, 1)
    )
    future = group.meetings.filter(starts_at__gt=NOW).first()
    r = client.post(
        base + f"meetings/{future.pk}/attendance/",
        {"entries": [{"membership": member.pk, "status": "present"}]},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "meeting_in_future"
    past = group.meetings.filter(starts_at__lt=NOW).last()
    r = client.post(
        base + f"meetings/{past.pk}/attendance/",
        {
            "entries": [
                {"membership": member.pk, "status": "present"},
                {"membership": 99999, "status": "present"},
            ]
        },
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_a_member"
    assert not Attendance.objects.exists()
    r = client.post(
        base + f"meetings/{past.pk}/attendance/",
        {"entries": [{"membership": member.pk, "status": "recording"}]},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()[0]["status"] == "recording"


def test_the_progress_endpoint_is_the_console(cast: Any, frozen: Any) -> None:
    group = f.group(cast.mentor)
    services.membership_add(actor=cast.mentor, group=group, participant=f.participant(), at=f.at(2026, 1, 1))
    rows = cast.client_for("mentor").get(f"/api/v1/study-groups/{group.pk}/progress/").json()
    assert len(rows) == 1 and {"percent", "behind", "attended_this_month", "fidelity"} <= set(rows[0])
    assert (
        cast.client_for("other_mentor").get(f"/api/v1/study-groups/{group.pk}/progress/").status_code == 404
    )
