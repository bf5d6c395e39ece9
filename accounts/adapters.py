from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group

from .roles import Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            # Everyone who signs up is a (prospective) participant; staff grant other roles.
            group, _ = Group.objects.get_or_create(name=Role.PARTICIPANT.value)
            user.groups.add(group)
        return user
