"""Trainer presentation review: submit, return, resubmit, approve, deliver; private slides; the
trainer_activities provider."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.errors import DomainError, NotAllowed
from maintenance import services
from maintenance.models import Presentation
from requirements_tracking.providers import progress_from

from .factories import enrollment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def slides(name: str = "intro.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def submit(cast: Any, **kw: Any) -> Presentation:
    values = {
        "title": "Core concepts for school staff",
        "audience": "School counselors",
        "planned_on": timezone.localdate() + timedelta(days=20),
        "venue": "Springfield USD",
        "slides": slides(),
    } | kw
    return services.presentation_submit(actor=cast.trainer, **values)


def test_the_review_cycle_to_delivered(
    cast: Any, eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    p = submit(cast)
    assert p.status == "submitted" and p.slides_name == "intro.pdf" and "intro" not in p.slides.name
    with pytest.raises(DomainError):
        services.presentation_log_delivered(
            actor=cast.trainer, presentation=p, delivered_on=timezone.localdate()
        )
    with pytest.raises(ValidationError):
        services.presentation_review(actor=cast.staff, presentation=p, approve=False, comments="")
    with django_capture_on_commit_callbacks(execute=True):
        services.presentation_review(
            actor=cast.staff, presentation=p, approve=False, comments="Drop slide 12."
        )
    assert len(mail.outbox) == 1 and "Drop slide 12." in mail.outbox[0].body
    p = services.presentation_resubmit(
        actor=cast.trainer,
        presentation=p,
        title=p.title,
        audience=p.audience,
        planned_on=p.planned_on,
        venue="Online",
    )
    assert p.status == "submitted" and p.venue == "Online"
    services.presentation_review(actor=cast.staff, presentation=p, approve=True)
    done = services.presentation_log_delivered(
        actor=cast.trainer, presentation=p, delivered_on=timezone.localdate(), attendees=24
    )
    assert (done.status, done.attendees) == ("delivered", 24)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: slides("notes.txt", b"hello"), "must be one of"),
        (lambda: slides("fake.pdf", b"MZ\x90\x00 not a pdf"), "not a real .pdf"),
    ],
)
def test_it_refuses_bad_slides(cast: Any, upload: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        submit(cast, slides=upload())
    assert not Presentation.objects.exists()


def test_it_refuses_oversized_slides(cast: Any, settings: Any) -> None:
    settings.MAINTENANCE_SLIDES_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="larger than"):
        submit(cast)


def test_only_trainers_submit_and_only_staff_review(cast: Any) -> None:
    with pytest.raises(NotAllowed):
        services.presentation_submit(
            actor=cast.participant,
            title="t",
            audience="a",
            planned_on=timezone.localdate(),
            venue="v",
            slides=slides(),
        )
    p = submit(cast)
    with pytest.raises(NotAllowed):
        services.presentation_review(actor=cast.trainer, presentation=p, approve=True)


def test_slides_are_served_to_the_owner_and_staff_only(cast: Any) -> None:
    p = submit(cast)
    url = reverse("maintenance:presentation_slides", args=[p.pk])
    response = cast.client_for("trainer").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert cast.client_for("staff").get(url).status_code == 200
    assert cast.client_for("participant").get(url).status_code == 404


def test_the_pages_submit_and_review(cast: Any) -> None:
    client = cast.client_for("trainer")
    response = client.post(
        reverse("maintenance:presentations"),
        {
            "title": "Intro",
            "audience": "Nurses",
            "planned_on": (timezone.localdate() + timedelta(days=5)).isoformat(),
            "venue": "Clinic",
            "slides": slides(),
        },
    )
    p = Presentation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "maintenance:presentation_detail", args=[p.pk]
    )
    bad = client.post(reverse("maintenance:presentations"), {"title": "x", "slides": slides("a.exe", b"MZ")})
    assert bad.status_code == 200 and Presentation.objects.count() == 1
    staff = cast.client_for("staff")
    assert staff.get(reverse("maintenance:presentation_queue")).content.count(b"Intro") >= 1
    staff.post(reverse("maintenance:presentation_review", args=[p.pk]), {"decision": "approve"})
    p.refresh_from_db()
    assert p.status == "approved"


def test_delivered_presentations_are_the_trainers_activity_list(cast: Any) -> None:
    year = enrollment(cast.trainer, "maintenance", timezone.localdate() - timedelta(days=100), "active")
    p = submit(cast)
    services.presentation_review(actor=cast.staff, presentation=p, approve=True)
    services.presentation_log_delivered(
        actor=cast.trainer, presentation=p, delivered_on=timezone.localdate() - timedelta(days=1)
    )
    answer = progress_from("trainer_activities", [year], {}, timezone.localdate())
    assert answer[year.pk].done == 1
    assert "Core concepts for school staff" in answer[year.pk].detail[0]
    other = enrollment(cast.participant, "maintenance", date(2026, 1, 1), "active")
    assert progress_from("trainer_activities", [other], {}, timezone.localdate())[other.pk].done == 0
