"""Navigation: each app lists its entries in `<app>/nav.py` as NAV_ITEMS; each shows to its roles."""

from __future__ import annotations

from dataclasses import dataclass, field

from .roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    order: int = 100
    section: str = "main"  # "main" bar, or "staff" menu


NAV_ITEMS = [
    NavItem("Home", "home", frozenset(Role.values), order=0),
]


@dataclass(frozen=True)
class HomePanel:
    """A block on the home page. `context` builds its template context from the request."""

    template: str
    roles: frozenset[str]
    order: int = 100
    context: object = None  # Callable[[HttpRequest], dict] | None


HOME_PANELS = [
    HomePanel(
        "accounts/panels/staff_overview.html",
        frozenset({Role.STAFF, Role.ADMIN}),
        order=900,
        context="accounts.views.staff_overview_context",
    ),
    HomePanel("accounts/panels/admin_tools.html", frozenset({Role.ADMIN}), order=950),
]

NAV_ITEMS += [
    NavItem(
        "Audit log", "accounts:audit_log", frozenset({Role.STAFF, Role.ADMIN}), order=900, section="staff"
    ),
]
