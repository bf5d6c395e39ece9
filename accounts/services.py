"""Writes for identity, roles, tokens and the audit log. Other apps call `audit_record`."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from .models import ApiToken, AuditEntry, CalendarFeedToken, User
from .request_context import client_ip
from .roles import Role, forget_roles


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    subject_user: Any = None,
) -> AuditEntry:
    """Record who changed what and why. `actor` None means the system (a scheduled job)."""
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    if subject_user is None and target is not None:
        subject_user = getattr(target, "audit_subject_user", None)
    return AuditEntry.objects.create(
        actor=real_actor,
        actor_label=(real_actor.email if real_actor else "system"),
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:300] if target is not None else "",
        subject_user=subject_user,
        reason=reason,
        changes=changes or {},
        ip_address=client_ip(),
    )


def _group(role: str) -> Group:
    group, _ = Group.objects.get_or_create(name=str(role))
    return group


@transaction.atomic
def user_grant_role(*, actor: Any, user: User, role: str, reason: str = "") -> None:
    if role not in Role.values:
        raise ValidationError(f"Unknown role: {role}.")
    user.groups.add(_group(role))
    if role == Role.ADMIN and not user.is_staff:
        user.is_staff = True  # the Django admin's own gate; allauth and MFA guard it too
        user.save(update_fields=["is_staff"])
    forget_roles(user)
    audit_record(actor=actor, action="role.granted", target=user, reason=reason, changes={"role": role})


@transaction.atomic
def user_revoke_role(*, actor: Any, user: User, role: str, reason: str = "") -> None:
    user.groups.remove(_group(role))
    if role == Role.ADMIN and user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    forget_roles(user)
    audit_record(actor=actor, action="role.revoked", target=user, reason=reason, changes={"role": role})


@transaction.atomic
def user_update_preferences(*, user: User, first_name: str, last_name: str, time_zone: str) -> User:
    old = {"first_name": user.first_name, "last_name": user.last_name, "time_zone": user.time_zone}
    user.first_name, user.last_name, user.time_zone = first_name, last_name, time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["first_name", "last_name", "time_zone"])
    new = {"first_name": first_name, "last_name": last_name, "time_zone": time_zone}
    changed = {k: [old[k], new[k]] for k in new if old[k] != new[k]}
    if changed:
        audit_record(actor=user, action="user.preferences_changed", target=user, changes=changed)
    return user


@transaction.atomic
def user_deactivate(*, actor: Any, user: User, reason: str) -> None:
    if not reason.strip():
        raise ValidationError("Say why the account is deactivated.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.rotate_security_stamp()  # ends every session at once
    audit_record(actor=actor, action="user.deactivated", target=user, reason=reason)


def api_token_create(
    *, actor: Any, user: User, name: str, scope: str = ApiToken.Scope.PERSONAL
) -> tuple[ApiToken, str]:
    """Make a token and return it with its secret, which is never shown again."""
    name = name.strip()
    if not name:
        raise ValidationError("Give the token a name, so you can tell it apart later.")
    if scope not in ApiToken.Scope.values:
        raise ValidationError(f"Unknown token scope: {scope}.")
    secret = "nmt_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            scope=scope,
            prefix=secret[:12],
            key_hash=ApiToken.hash_key(secret),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action="api_token.created",
            target=token,
            subject_user=user,
            changes={"scope": scope, "name": token.name},
        )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    if updated:
        audit_record(actor=actor, action="api_token.revoked", target=token, subject_user=token.user)
    return token


def calendar_feed_for(user: User) -> CalendarFeedToken:
    feed, _ = CalendarFeedToken.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_rotate(*, user: User) -> CalendarFeedToken:
    CalendarFeedToken.objects.filter(user=user).delete()
    feed = CalendarFeedToken.objects.create(user=user)
    audit_record(actor=user, action="calendar_feed.rotated", target=user)
    return feed
