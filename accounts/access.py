"""Who may reach a page. Views use these decorators; the API permission classes reuse the same checks.

Staff and admin pages also need multi-factor authentication to be set up: a staff member without it
is sent to set it up first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .roles import STAFF_ROLES, Role, has_role, user_roles, user_roles_and_mfa

View = Callable[..., HttpResponse]


def needs_mfa_setup(user: Any) -> bool:
    """Staff and admins must have MFA before they reach any staff page."""
    return has_role(user, *STAFF_ROLES) and not is_mfa_enabled(user)


def role_required(*roles: str, mfa: bool | None = None) -> Callable[[View], View]:
    """Signed-in users holding one of `roles`; anonymous users go to sign-in, others get 403.

    `mfa` defaults to True when the page is for staff or admins only.
    """
    wanted = {str(r) for r in roles}
    require_mfa = mfa if mfa is not None else wanted <= set(STAFF_ROLES)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if require_mfa:  # roles and MFA in one query
                roles, has_mfa = user_roles_and_mfa(user)
            else:
                roles, has_mfa = user_roles(user), True
            if not roles & wanted:
                raise PermissionDenied("Your roles do not include this page.")
            if not has_mfa:
                messages.warning(
                    request, "Staff pages need two-factor authentication. Set it up to continue."
                )
                return redirect("mfa_activate_totp")
            return view(request, *args, **kwargs)

        wrapper.nmt_roles = frozenset(wanted)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def login_required(view: View) -> View:
    """Any signed-in user (every role)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


staff_required = role_required(Role.STAFF, Role.ADMIN)
admin_required = role_required(Role.ADMIN)
participant_required = role_required(Role.PARTICIPANT)
mentor_required = role_required(Role.MENTOR, Role.STAFF, Role.ADMIN, mfa=False)
