from __future__ import annotations

from accounts.nav import HomePanel, NavItem
from accounts.roles import Role

NAV_ITEMS = [
    NavItem("Certificates", "certificates:mine", frozenset({Role.PARTICIPANT}), order=60),
    NavItem(
        "Certificates", "certificates:manage", frozenset({Role.STAFF, Role.ADMIN}), order=60, section="staff"
    ),
    NavItem("Bulk printing", "certificates:bulk", frozenset({Role.ADMIN}), order=61, section="staff"),
]

HOME_PANELS = [
    HomePanel(
        "certificates/panels/participant.html",
        frozenset({Role.PARTICIPANT}),
        order=60,
        context="certificates.panels.participant_context",
    ),
    HomePanel(
        "certificates/panels/admin.html",
        frozenset({Role.STAFF, Role.ADMIN}),
        order=930,
        context="certificates.panels.staff_context",
    ),
]
