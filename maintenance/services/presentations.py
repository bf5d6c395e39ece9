"""Trainer presentation review: submit, approve or return with comments, log as delivered.

DOMAIN: NMT Trainers may give introductory trainings only after each presentation has passed NMN
review. Delivered presentations are the trainer's activity list for Maintenance (the progress provider
"trainer_activities" in maintenance.selectors).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.errors import DomainError, NotAllowed
from accounts.roles import Role, has_role, is_staff_member
from accounts.services import audit_record

from ..models import Presentation, PresentationStatus

P = PresentationStatus

PRESENTATION_TRANSITIONS: dict[str, frozenset[str]] = {
    P.SUBMITTED: frozenset({P.APPROVED, P.RETURNED, P.WITHDRAWN}),
    P.RETURNED: frozenset({P.SUBMITTED, P.WITHDRAWN}),
    P.APPROVED: frozenset({P.DELIVERED, P.WITHDRAWN}),
    P.DELIVERED: frozenset(),
    P.WITHDRAWN: frozenset(),
}

# Slides: extension -> the bytes such a file starts with (checked, not trusted from the browser).
SLIDE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".pptx": (b"PK\x03\x04",),
    ".odp": (b"PK\x03\x04",),
    ".key": (b"PK\x03\x04",),
    ".ppt": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}


def slides_max_bytes() -> int:
    return int(getattr(settings, "MAINTENANCE_SLIDES_MAX_BYTES", 25 * 1024 * 1024))


def validate_slides(upload: Any) -> None:
    if upload is None:
        raise ValidationError({"slides": "Attach the slides."})
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in SLIDE_SIGNATURES:
        raise ValidationError({"slides": f"Slides must be one of: {', '.join(sorted(SLIDE_SIGNATURES))}."})
    if upload.size > slides_max_bytes():
        raise ValidationError(
            {"slides": f"The file is larger than {slides_max_bytes() // (1024 * 1024)} MB."}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in SLIDE_SIGNATURES[suffix]):
        raise ValidationError({"slides": f"That file is not a real {suffix} file."})


def _move(presentation: Presentation, new: str) -> Presentation:
    locked = Presentation.objects.select_for_update().get(pk=presentation.pk)
    if new not in PRESENTATION_TRANSITIONS[locked.status]:
        raise DomainError(
            f"A presentation that is {locked.get_status_display().lower()} cannot become "
            f"{P(new).label.lower()}.",
            code="transition_not_allowed",
        )
    return locked


def _fields(title: str, audience: str, planned_on: date, venue: str) -> dict[str, Any]:
    values = {
        "title": (title or "").strip(),
        "audience": (audience or "").strip(),
        "venue": (venue or "").strip(),
    }
    errors = {k: "This field is required." for k, v in values.items() if not v}
    if not isinstance(planned_on, date):
        errors["planned_on"] = "Enter the planned date (YYYY-MM-DD)."
    elif planned_on < timezone.localdate():
        errors["planned_on"] = "The planned date cannot be in the past."
    if errors:
        raise ValidationError(errors)
    return {**values, "planned_on": planned_on}


@transaction.atomic
def presentation_submit(
    *, actor: Any, title: str, audience: str, planned_on: date, venue: str, slides: Any
) -> Presentation:
    if not has_role(actor, Role.TRAINER):
        raise NotAllowed("Only NMT Trainers submit presentations.")
    values = _fields(title, audience, planned_on, venue)
    validate_slides(slides)
    presentation = Presentation(trainer=actor, slides_name=Path(slides.name).name[:200], **values)
    presentation.slides.save(slides.name, slides, save=False)
    presentation.save()
    audit_record(
        actor=actor,
        action="presentation.submitted",
        target=presentation,
        changes=values | {"planned_on": values["planned_on"].isoformat()},
    )
    return presentation


@transaction.atomic
def presentation_resubmit(
    *,
    actor: Any,
    presentation: Presentation,
    title: str,
    audience: str,
    planned_on: date,
    venue: str,
    slides: Any = None,
) -> Presentation:
    """The trainer answers the comments of a returned presentation and submits it again."""
    if presentation.trainer_id != actor.pk:
        raise NotAllowed("Only its trainer resubmits a presentation.")
    locked = _move(presentation, P.SUBMITTED)
    values = _fields(title, audience, planned_on, venue)
    for name, value in values.items():
        setattr(locked, name, value)
    if slides is not None:
        validate_slides(slides)
        locked.slides.save(slides.name, slides, save=False)
        locked.slides_name = Path(slides.name).name[:200]
    locked.status = P.SUBMITTED
    locked.save()
    audit_record(
        actor=actor,
        action="presentation.resubmitted",
        target=locked,
        changes={"status": [P.RETURNED, P.SUBMITTED]},
    )
    return locked


@transaction.atomic
def presentation_review(
    *, actor: Any, presentation: Presentation, approve: bool, comments: str = ""
) -> Presentation:
    """Staff approve a submitted presentation, or return it with comments (required)."""
    if not is_staff_member(actor):
        raise NotAllowed("Only NMN staff review presentations.")
    comments = (comments or "").strip()
    new = P.APPROVED if approve else P.RETURNED
    if not approve and not comments:
        raise ValidationError({"comments": "Say what the trainer should change."})
    locked = _move(presentation, new)
    old = locked.status
    locked.status, locked.review_comments = new, comments
    locked.reviewed_by, locked.reviewed_at = actor, timezone.now()
    locked.save(update_fields=["status", "review_comments", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="presentation.reviewed",
        target=locked,
        reason=comments,
        changes={"status": [old, new]},
    )
    pk = locked.pk
    from ..tasks import notify_presentation_reviewed

    transaction.on_commit(lambda: notify_presentation_reviewed.delay(pk))
    return locked


@transaction.atomic
def presentation_log_delivered(
    *,
    actor: Any,
    presentation: Presentation,
    delivered_on: date,
    attendees: int | None = None,
    notes: str = "",
) -> Presentation:
    if presentation.trainer_id != actor.pk:
        raise NotAllowed("Only its trainer logs a presentation as delivered.")
    locked = _move(presentation, P.DELIVERED)
    if not isinstance(delivered_on, date) or delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": "Enter the date it was given (not in the future)."})
    if attendees is not None and attendees < 0:
        raise ValidationError({"attendees": "Enter a number of people, or leave it empty."})
    locked.status, locked.delivered_on = P.DELIVERED, delivered_on
    locked.attendees, locked.delivery_notes = attendees, (notes or "").strip()
    locked.save(update_fields=["status", "delivered_on", "attendees", "delivery_notes", "updated_at"])
    audit_record(
        actor=actor,
        action="presentation.delivered",
        target=locked,
        changes={"status": [P.APPROVED, P.DELIVERED], "delivered_on": delivered_on.isoformat()},
    )
    return locked


@transaction.atomic
def presentation_withdraw(*, actor: Any, presentation: Presentation) -> Presentation:
    if presentation.trainer_id != actor.pk:
        raise NotAllowed("Only its trainer withdraws a presentation.")
    locked = _move(presentation, P.WITHDRAWN)
    old = locked.status
    locked.status = P.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action="presentation.withdrawn", target=locked, changes={"status": [old, P.WITHDRAWN]}
    )
    return locked


def presentation_notify_reviewed(presentation_id: int) -> None:
    """E-mail the trainer the review (run by a task after commit)."""
    presentation = Presentation.objects.select_related("trainer").get(pk=presentation_id)
    context = {
        "presentation": presentation,
        "url": settings.SITE_URL + reverse("maintenance:presentation_detail", args=[presentation.pk]),
    }
    subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Your presentation “{presentation.title}” was reviewed"
    message = EmailMultiAlternatives(
        subject,
        render_to_string("maintenance/email/presentation_reviewed.txt", context),
        to=[presentation.trainer.email],
    )
    message.attach_alternative(
        render_to_string("maintenance/email/presentation_reviewed.html", context), "text/html"
    )
    message.send()


def slides_max_bytes_label() -> str:
    return f"{slides_max_bytes() // (1024 * 1024)} MB"
