"""Looking at a page or an API answer makes nothing: an enrollment without a checklist yet, and a person
without a calendar feed address, get a button (a POST) that makes one."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accounts.models import CalendarFeedToken
from enrollment.models import Enrollment
from requirements_tracking.models import Checklist, ChecklistRequirement

from .factories import open_enrollment


def _without_checklist(user: Any) -> Enrollment:
    """An enrollment from before checklists were kept (the start hook never ran for it)."""
    enrollment = open_enrollment(user)
    ChecklistRequirement.objects.filter(checklist__enrollment=enrollment).delete()
    Checklist.objects.filter(enrollment=enrollment).delete()
    return enrollment


def test_it_opens_a_missing_checklist_only_when_asked(cast: Any) -> None:
    enrollment = _without_checklist(cast.participant)
    client = cast.client_for("participant")
    page = reverse("requirements_tracking:enrollment_checklist", args=[enrollment.pk])

    assert client.get(reverse("requirements_tracking:my_checklist"))["Location"] == page
    assert 'data-testid="checklist-open"' in client.get(page).content.decode()
    assert (
        client.get(reverse("api:requirements-enrollment-checklist", args=[enrollment.pk])).status_code == 404
    )
    assert not Checklist.objects.filter(enrollment=enrollment).exists()

    response = client.post(page)
    checklist = Checklist.objects.get(enrollment=enrollment)
    assert response["Location"] == reverse("requirements_tracking:checklist_detail", args=[checklist.pk])
    assert checklist.requirements.exists()


def test_the_api_opens_a_missing_checklist_on_post(cast: Any) -> None:
    enrollment = _without_checklist(cast.participant)
    url = reverse("api:requirements-enrollment-checklist", args=[enrollment.pk])
    client = cast.client_for("participant")
    assert client.post(url).status_code == 201
    again = client.post(url)
    assert again.status_code == 200 and Checklist.objects.filter(enrollment=enrollment).count() == 1
    assert client.get(url).json()["id"] == again.json()["id"]


def test_the_calendar_feed_page_makes_an_address_only_when_asked(cast: Any) -> None:
    client = cast.client_for("participant")
    page = client.get(reverse("requirements_tracking:calendar_feed")).content.decode()
    assert 'data-testid="feed-make"' in page and 'data-testid="feed-url"' not in page
    assert not CalendarFeedToken.objects.filter(user=cast.participant).exists()

    client.post(reverse("requirements_tracking:calendar_feed_rotate"))
    feed = CalendarFeedToken.objects.get(user=cast.participant)
    assert feed.token in client.get(reverse("requirements_tracking:calendar_feed")).content.decode()
