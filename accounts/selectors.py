"""Reads shared by the pages and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from .models import ApiToken, AuditEntry, User
from .roles import is_staff_member


def api_tokens_visible_to(user: Any) -> QuerySet[ApiToken]:
    qs = ApiToken.objects.select_related("user", "created_by")
    if is_staff_member(user):
        return qs
    return qs.filter(user=user)


def get_api_token_for_user(user: Any, pk: int) -> ApiToken:
    token = api_tokens_visible_to(user).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    return token


def audit_entries_for_subject(user: User, limit: int = 200) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(subject_user=user).select_related("actor")[:limit]
