"""Every URL pattern × every role. A URL pattern no case covers fails the suite."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.matrix as matrix_pkg
from accounts.models import ApiToken
from accounts.services import api_token_create
from tests.matrix.base import ANY_OK, LOGIN, ROLES, Case, World
from tests.support import make_user

MODULES = [
    importlib.import_module(f"tests.matrix.{m.name}")
    for m in pkgutil.iter_modules(matrix_pkg.__path__)
    if m.name != "base"
]
ALL_CASES: list[Case] = [case for module in MODULES for case in module.CASES]

# URL names that belong to libraries and are tested as such (allauth's sign-in, the Django admin).
EXEMPT_PREFIXES = ("admin:", "account_", "mfa_", "djdt:")
EXEMPT_NAMES = {"api:api-root"}


def _url_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_pattern_is_in_the_matrix() -> None:
    covered = {case.url_name for case in ALL_CASES}
    missing = {
        name
        for name in _url_names() - covered
        if not name.startswith(EXEMPT_PREFIXES) and name not in EXEMPT_NAMES
    }
    assert not missing, f"URL patterns missing from the permission matrix: {sorted(missing)}"


def _clients(world: World) -> dict[str, Client]:
    clients: dict[str, Client] = {"anonymous": Client()}
    for role in ROLES:
        if role in ("anonymous", "integration"):
            continue
        client = Client()
        client.force_login(getattr(world, role))
        clients[role] = client
    clients["integration"] = Client(headers={"Authorization": f"Bearer {world.integration_secret}"})
    return clients


def _build_world(cast: Any) -> World:
    world = World(cast)
    integration_user = make_user("metrics-tool@example.org", [])
    _, world.integration_secret = api_token_create(
        actor=cast.staff, user=integration_user, name="metrics tool", scope=ApiToken.Scope.METRICS
    )
    for module in MODULES:
        module.build(world)
    return world


def _check(case: Case, role: str, response: Any) -> str | None:
    expected = case.expect[role]
    status = response.status_code
    location = response.get("Location", "")
    if expected == LOGIN:
        if status == 302 and "/accounts/login/" in location:
            return None
        return f"{role}: expected a redirect to sign-in, got {status} {location}"
    if expected == ANY_OK:
        if status in (200, 201, 204) or (status == 302 and "/accounts/login/" not in location):
            return None
        return f"{role}: expected success, got {status} {location}"
    if status != expected:
        return f"{role}: expected {expected}, got {status} {location}"
    return None


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_permission_matrix(case: Case, cast: Any) -> None:
    world = _build_world(cast)
    clients = _clients(world)
    url = reverse(case.url_name, kwargs=case.resolve(case.kwargs, world)) + (
        f"?{case.query}" if case.query else ""
    )
    problems = []
    for role in ROLES:
        data = case.resolve(case.data, world)
        kwargs: dict[str, Any] = {}
        if case.method != "get" and data is not None:
            if case.content_type == "application/json":
                kwargs = {"data": json.dumps(data), "content_type": "application/json"}
            else:
                kwargs = {"data": data}
        sid = transaction.savepoint()
        try:
            response = getattr(clients[role], case.method)(url, **kwargs)
            problem = _check(case, role, response)
        finally:
            transaction.savepoint_rollback(sid)
        if problem:
            problems.append(problem)
    assert not problems, f"{case.id}:\n  " + "\n  ".join(problems)
