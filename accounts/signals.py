from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .roles import ROLE_PERMISSIONS, Role


@receiver(post_migrate)
def sync_role_permissions(sender: Any, **kwargs: Any) -> None:
    """Keep each role's group permissions equal to ROLE_PERMISSIONS (models may arrive later)."""
    using = kwargs.get("using", "default")
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        wanted = []
        for dotted in ROLE_PERMISSIONS.get(role, []):
            app_label, codename = dotted.split(".", 1)
            perm = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


def _end_other_sessions(request: Any, user: Any) -> None:
    user.rotate_security_stamp()
    if request is not None and getattr(request, "user", None) == user:
        update_session_auth_hash(request, user)


@receiver(mfa_signals.authenticator_added)
def mfa_added(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None:
        _end_other_sessions(request, user)


@receiver(mfa_signals.authenticator_removed)
def mfa_removed(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None:
        _end_other_sessions(request, user)


@receiver(mfa_signals.authenticator_reset)
def mfa_reset(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    # New recovery codes: the old ones (perhaps what a stolen session was signed in with) are void.
    if user is not None:
        _end_other_sessions(request, user)
