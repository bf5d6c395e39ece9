"""The Django admin is for admins only, behind allauth's sign-in (rate limits, MFA) and MFA setup."""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.admin import AdminSite
from django.http import HttpRequest

from .roles import is_admin


def _admin_has_permission(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(
        user.is_active and user.is_authenticated and user.is_staff and is_admin(user) and is_mfa_enabled(user)
    )


def guard_admin_site(site: AdminSite) -> None:
    site.site_header = "nmt-cert administration"
    site.site_title = "nmt-cert admin"
    site.index_title = "Program policy, templates and roles"
    site.login = secure_admin_login(site.login)  # type: ignore[method-assign]
    site.has_permission = _admin_has_permission  # type: ignore[method-assign]
