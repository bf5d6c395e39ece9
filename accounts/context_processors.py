from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.urls import NoReverseMatch

from .nav import NavItem
from .roles import Role, user_roles
from .urlcache import reverse_fixed

NAV_BAR_SIZE = 6


@cache
def _all_items() -> tuple[NavItem, ...]:
    items: list[NavItem] = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.nav")
        except ModuleNotFoundError:
            continue
        items.extend(getattr(module, "NAV_ITEMS", []))
    return tuple(sorted(items, key=lambda i: (i.order, i.label)))


def navigation(request: HttpRequest) -> dict[str, Any]:
    roles = user_roles(request.user)
    if not roles:
        return {"nav_items": [], "nav_more_items": [], "nav_staff_items": [], "user_role_labels": []}
    path = request.path
    visible = []
    for item in _all_items():
        if item.roles & roles:
            try:
                url = reverse_fixed(item.url_name)
            except NoReverseMatch:
                continue
            visible.append(
                {
                    "label": item.label,
                    "url": url,
                    "section": item.section,
                    "active": path == url or (url != "/" and path.startswith(url)),
                }
            )
    main = [i for i in visible if i["section"] == "main"]
    return {
        # The bar holds the first few; the rest go under "More" so it never overflows.
        "nav_items": main[:NAV_BAR_SIZE],
        "nav_more_items": main[NAV_BAR_SIZE:],
        "nav_staff_items": [i for i in visible if i["section"] == "staff"],
        "user_role_labels": [r.label for r in Role if r.value in roles],
    }
