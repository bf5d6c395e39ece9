"""Home page panels: a participant's certificates; what awaits staff and admins."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.roles import is_admin

from . import selectors
from .models import BulkPrintStatus


def participant_context(request: HttpRequest) -> dict[str, Any]:
    return {"certificates": list(selectors.certificates_of(request.user)[:5])}


def staff_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "awaiting_count": selectors.issuable_enrollments().count(),
        "running_jobs": list(
            selectors.bulk_jobs().filter(status__in=[BulkPrintStatus.QUEUED, BulkPrintStatus.RUNNING])[:3]
        ),
        "unprinted_count": selectors.bulk_print_queryset({"not_printed": True}).count(),
        "is_admin": is_admin(request.user),
    }
