from accounts.nav import HomePanel, NavItem
from accounts.roles import Role

NAV_ITEMS = [
    NavItem("Metric reports", "metrics_tokens:my_reports", frozenset({Role.PARTICIPANT}), order=40),
    NavItem("Fidelity Exercise", "metrics_tokens:my_fidelity", frozenset({Role.PARTICIPANT}), order=45),
    NavItem(
        "Token ledger",
        "metrics_tokens:staff_ledger",
        frozenset({Role.STAFF, Role.ADMIN}),
        order=400,
        section="staff",
    ),
    NavItem(
        "Fidelity Exercises",
        "metrics_tokens:fidelity_staff",
        frozenset({Role.STAFF, Role.ADMIN}),
        order=410,
        section="staff",
    ),
]

HOME_PANELS = [
    HomePanel(
        "metrics_tokens/panels/participant.html",
        frozenset({Role.PARTICIPANT}),
        order=300,
        context="metrics_tokens.views.home_panel_context",
    ),
]
