from accounts.nav import HomePanel, NavItem
from accounts.roles import Role

STAFF = frozenset({Role.STAFF, Role.ADMIN})

NAV_ITEMS = [
    NavItem("Maintenance", "maintenance:overview", frozenset({Role.PARTICIPANT}), order=60),
    NavItem("Presentations", "maintenance:presentations", frozenset({Role.TRAINER}), order=65),
    NavItem("What happens next", "maintenance:preview", STAFF, order=500, section="staff"),
    NavItem("Flagged Maintenance years", "maintenance:flagged", STAFF, order=510, section="staff"),
    NavItem("Re-Certification", "maintenance:recertifications", STAFF, order=520, section="staff"),
    NavItem("Presentation review", "maintenance:presentation_queue", STAFF, order=530, section="staff"),
]

HOME_PANELS = [
    HomePanel(
        "maintenance/panels/participant.html",
        frozenset({Role.PARTICIPANT}),
        order=350,
        context="maintenance.views.participant.home_panel_context",
    ),
    HomePanel(
        "maintenance/panels/trainer.html",
        frozenset({Role.TRAINER}),
        order=360,
        context="maintenance.views.presentations.home_panel_context",
    ),
    HomePanel(
        "maintenance/panels/staff.html",
        STAFF,
        order=920,
        context="maintenance.views.staff.home_panel_context",
    ),
]
