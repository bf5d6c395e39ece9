"""The client-confidentiality and attribution policy: versioned; a new version asks everyone again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.errors import DomainError
from requirements_tracking.models import PolicyAgreement, PolicyAgreementSignature
from requirements_tracking.selectors import progress_for_enrollments
from requirements_tracking.services import agreement_sign

from .factories import open_enrollment

pytestmark = pytest.mark.django_db


def _agreement_done(enrollment: Any) -> int:
    items = progress_for_enrollments([enrollment], timezone.localdate())[enrollment.pk].items
    return next(i for i in items if i.kind == "agreement").done


def test_signing_the_current_version_meets_the_requirement_until_a_new_version(cast: Any) -> None:
    enrollment = open_enrollment(cast.participant, start=date(2026, 1, 5))
    assert _agreement_done(enrollment) == 0
    client = cast.client_for("participant")
    wrong = client.post(reverse("requirements_tracking:agreement"), {"agree": "on", "full_name": "Somebody"})
    assert b"Type your full name exactly" in wrong.content and not PolicyAgreementSignature.objects.exists()
    client.post(reverse("requirements_tracking:agreement"), {"agree": "on", "full_name": "Pat Participant"})
    assert _agreement_done(enrollment) == 1
    v1 = PolicyAgreement.objects.get(version=1)
    with pytest.raises(DomainError, match="already signed"):
        agreement_sign(actor=cast.participant, agreement=v1, full_name="Pat Participant")

    PolicyAgreement.objects.create(version=2, text="New wording.")
    assert _agreement_done(enrollment) == 0  # everyone is asked again
    with pytest.raises(DomainError, match="current version"):
        agreement_sign(actor=cast.other_participant, agreement=v1, full_name="Quinn Other")
    page = client.get(reverse("requirements_tracking:agreement"))
    assert b"Sign version 2" in page.content


def test_what_a_participant_just_signed_counts_in_their_evening_when_utc_is_already_tomorrow(
    cast: Any,
) -> None:
    """8 pm in New York is 1 am the next day in UTC: a version published and signed then is dated
    tomorrow on the server, and the participant's progress counts it at once (not the day after)."""
    import time_machine

    from requirements_tracking.services import progress_day, today_for

    person = cast.participant
    person.time_zone = "America/New_York"
    person.save(update_fields=["time_zone"])
    enrollment = open_enrollment(person, start=date(2026, 1, 5))
    with time_machine.travel(datetime(2027, 3, 11, 1, 0, tzinfo=UTC), tick=False):
        new = PolicyAgreement.objects.create(version=2, text="New wording.")
        agreement_sign(actor=person, agreement=new, full_name="Pat Participant")
        assert today_for(person) == date(2027, 3, 10) and progress_day(person) == date(2027, 3, 11)

        def done(as_of: date) -> int:
            items = progress_for_enrollments([enrollment], as_of)[enrollment.pk].items
            return next(i for i in items if i.kind == "agreement").done

        assert done(today_for(person)) == 0  # the participant's own date: the signature is "tomorrow"
        assert done(progress_day(person)) == 1  # what the checklist pages, the API and signing count on
