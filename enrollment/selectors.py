"""Reads about enrollments shared by pages, the API and other apps."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from accounts.roles import is_staff_member

from .models import ENROLLED_STATUSES, OPEN_STATUSES, Enrollment


def enrollments_of(user: Any) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(participant=user).select_related("policy").order_by("-start_date", "-id")


def current_enrollment(user: Any) -> Enrollment | None:
    """The participant's open enrollment (the newest if, unusually, there are several)."""
    return enrollments_of(user).filter(status__in=sorted(OPEN_STATUSES)).first()


def enrolled_enrollment(user: Any) -> Enrollment | None:
    """The enrollment that currently gives access (active, free extension or paid continuation)."""
    return enrollments_of(user).filter(status__in=sorted(ENROLLED_STATUSES)).first()


def enrollments_visible_to(user: Any) -> QuerySet[Enrollment]:
    qs = Enrollment.objects.select_related("participant", "policy")
    if is_staff_member(user):
        return qs
    return qs.filter(participant=user)


def get_enrollment_for_user(user: Any, pk: int) -> Enrollment:
    """An enrollment the user may see: their own, or any for staff. Anyone else's answers 404."""
    enrollment = enrollments_visible_to(user).filter(pk=pk).first()
    if enrollment is None:
        raise Http404("No such enrollment.")
    return enrollment
