"""API permissions. They reuse the role checks of the pages (accounts.roles, accounts.access)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from rest_framework.permissions import BasePermission

from .models import ApiToken
from .roles import STAFF_ROLES, Role, has_role


def _token(request: Any) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class DefaultApiPermission(BasePermission):
    """Signed in; an integration token reaches only views that list its scope in `token_scopes`."""

    message = "You do not have access to this resource."

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = _token(request)
        if token is not None and token.scope != ApiToken.Scope.PERSONAL:
            return token.scope in getattr(view, "token_scopes", ())
        return self.role_allows(request, view)

    def role_allows(self, request: Any, view: Any) -> bool:
        return True


class HasRole(DefaultApiPermission):
    roles: frozenset[str] = frozenset()

    def role_allows(self, request: Any, view: Any) -> bool:
        if not has_role(request.user, *self.roles):
            return False
        # A browser session of staff must have MFA, as on the pages; a personal token was created
        # from such a session, so it carries that check already.
        if set(self.roles) <= set(STAFF_ROLES) and _token(request) is None:
            return is_mfa_enabled(request.user)
        return True


class IsStaffMember(HasRole):
    roles = frozenset(STAFF_ROLES)


class IsAdminRole(HasRole):
    roles = frozenset({Role.ADMIN})


class IsParticipant(HasRole):
    roles = frozenset({Role.PARTICIPANT})


class IsMentorOrStaff(HasRole):
    roles = frozenset({Role.MENTOR, *STAFF_ROLES})

    def role_allows(self, request: Any, view: Any) -> bool:
        return has_role(request.user, *self.roles)
