"""Enrollment's menu entries and the participant's home panel."""

from __future__ import annotations

from accounts.nav import HomePanel, NavItem
from accounts.roles import Role

STAFF = frozenset({Role.STAFF, Role.ADMIN})

NAV_ITEMS = [
    NavItem("My certification", "enrollment:my_certification", frozenset({Role.PARTICIPANT}), order=10),
    NavItem("Applications", "enrollment:staff_applications", STAFF, order=100, section="staff"),
    NavItem("Participants", "enrollment:staff_participants", STAFF, order=110, section="staff"),
    NavItem("Phase transitions", "enrollment:staff_transitions", STAFF, order=120, section="staff"),
    NavItem("Extension requests", "enrollment:staff_extensions", STAFF, order=130, section="staff"),
    NavItem("Organizations", "enrollment:staff_organizations", STAFF, order=140, section="staff"),
    NavItem("Import records", "enrollment:staff_import", STAFF, order=150, section="staff"),
]

HOME_PANELS = [
    HomePanel(
        "enrollment/panels/my_certification.html",
        frozenset({Role.PARTICIPANT}),
        order=10,
        context="enrollment.views.participant.home_panel_context",
    ),
    HomePanel(
        "enrollment/panels/staff_queues.html",
        STAFF,
        order=20,
        context="enrollment.views.staff.queues_context",
    ),
]
