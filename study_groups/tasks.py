"""Celery tasks: they take ids, claim each piece of work with a conditional update, so running twice (or
on two workers) sends each e-mail once."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Membership, MembershipStatus, StudyGroup

# A member gets at most one "you are behind" reminder in this time, however many times a mentor asks.
REMINDER_QUIET_PERIOD = timedelta(hours=20)


@shared_task
def send_behind_reminders(group_id: int, membership_ids: list[int], actor_id: int | None = None) -> int:
    group = StudyGroup.objects.prefetch_related("mentors").get(pk=group_id)
    now = timezone.now()
    sent = 0
    for membership in Membership.objects.filter(
        group=group, pk__in=membership_ids, status=MembershipStatus.ACTIVE
    ).select_related("participant"):
        claimed = (
            Membership.objects.filter(pk=membership.pk)
            .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=now - REMINDER_QUIET_PERIOD))
            .update(last_reminded_at=now)
        )
        if not claimed:
            continue
        context = {
            "member": membership.participant,
            "group": group,
            "mentors": list(group.mentors.all()),
            "group_url": settings.SITE_URL + reverse("study_groups:detail", args=[group.pk]),
        }
        send_mail(
            subject=f"{group.name}: a reminder from your mentor",
            message=render_to_string("study_groups/email/behind_reminder.txt", context),
            from_email=None,
            recipient_list=[membership.participant.email],
        )
        sent += 1
    return sent


@shared_task
def send_promotion_notices(membership_ids: list[int]) -> int:
    sent = 0
    for membership in Membership.objects.filter(
        pk__in=membership_ids, status=MembershipStatus.ACTIVE
    ).select_related("participant", "group"):
        context = {
            "member": membership.participant,
            "group": membership.group,
            "group_url": settings.SITE_URL + reverse("study_groups:detail", args=[membership.group_id]),
        }
        send_mail(
            subject=f"A place in {membership.group.name} is yours",
            message=render_to_string("study_groups/email/promoted.txt", context),
            from_email=None,
            recipient_list=[membership.participant.email],
        )
        sent += 1
    return sent


@shared_task
def materialize_all_meetings() -> int:
    """Daily: keep every active group's meetings materialized for the window ahead (idempotent)."""
    from .services import meetings_materialize

    return sum(meetings_materialize(group=g) for g in StudyGroup.objects.filter(is_active=True))
