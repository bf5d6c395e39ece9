"""The staff console's menu entries and its link on the staff home page."""

from __future__ import annotations

from accounts.nav import HomePanel, NavItem
from accounts.roles import Role

STAFF = frozenset({Role.STAFF, Role.ADMIN})

NAV_ITEMS = [
    NavItem("Staff console", "staff_console:home", STAFF, order=50, section="staff"),
]

HOME_PANELS = [
    HomePanel("staff_console/panels/console_link.html", STAFF, order=5),
]
