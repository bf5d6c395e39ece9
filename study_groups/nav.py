from accounts.nav import HomePanel, NavItem
from accounts.roles import Role

NAV_ITEMS = [
    NavItem(
        "Study groups",
        "study_groups:index",
        frozenset({Role.PARTICIPANT, Role.MENTOR, Role.TRAINER, Role.STAFF, Role.ADMIN}),
        order=30,
    ),
]

HOME_PANELS = [
    HomePanel(
        "study_groups/panels/mentor.html",
        frozenset({Role.MENTOR}),
        order=20,
        context="study_groups.views.home_panel_context",
    ),
    HomePanel(
        "study_groups/panels/trainer.html",
        frozenset({Role.TRAINER}),
        order=30,
        context="study_groups.views.home_panel_context",
    ),
    HomePanel(
        "study_groups/panels/participant.html",
        frozenset({Role.PARTICIPANT}),
        order=40,
        context="study_groups.views.home_panel_context",
    ),
]
