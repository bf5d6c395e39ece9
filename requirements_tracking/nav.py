from accounts.nav import HomePanel, NavItem
from accounts.roles import Role

NAV_ITEMS = [
    NavItem("Requirements", "requirements_tracking:my_checklist", frozenset({Role.PARTICIPANT}), order=20),
    NavItem("Calls", "requirements_tracking:calls", frozenset(Role.values), order=60),
    NavItem(
        "Checklists to verify",
        "requirements_tracking:review_queue",
        frozenset({Role.STAFF, Role.ADMIN}),
        order=200,
        section="staff",
    ),
]

HOME_PANELS = [
    HomePanel(
        "requirements_tracking/panels/progress.html",
        frozenset({Role.PARTICIPANT}),
        order=200,
        context="requirements_tracking.views.home_panel_context",
    ),
]
