"""Every URL pattern × every role, with the method each case declares; a URL pattern no case covers
fails the suite. The cases are in tests/matrix/<app>.py; tests/matrix/runner.py sends them (one world
per test, every request rolled back) and reports what each request wrote.

No GET changes state: each GET case, and its HEAD twin, writes nothing but the technical writes the
runner lists (a session's idle-timeout stamp, a token's last use), queues nothing for after the commit
and sends no mail. HEAD answers as GET does on every page (require_safe, or GET, HEAD and POST for
forms); under /api/ it may answer 405 instead (api_view(["GET"]) refuses it; viewsets and the schema
views answer it). Methods no case declares, and CSRF, are tests/test_methods_and_csrf.py's.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.matrix.base import ANY_OK, LOGIN, ROLES, Case
from tests.matrix.runner import ALL_CASES, MODULES, Matrix, Sent, body, check, url_for

# URL names that belong to libraries and are tested as such (allauth's sign-in, the Django admin).
EXEMPT_PREFIXES = ("admin:", "account_", "mfa_", "djdt:")
EXEMPT_NAMES = {"api:api-root"}

pytestmark = pytest.mark.django_db  # the matrix's world is built in each test's transaction


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


def test_every_case_names_every_role_and_a_known_answer() -> None:
    known = {LOGIN, ANY_OK, 200, 201, 202, 204, 302, 400, 401, 403, 404, 405, 409}
    wrong = [
        case.id
        for case in ALL_CASES
        if set(case.expect) != set(ROLES) or not set(case.expect.values()) <= known
    ]
    assert not wrong, f"cases with a role missing or an unknown expectation: {wrong}"


def _get_and_head(matrix: Matrix, case: Case, role: str, url: str, get: Sent) -> list[str]:
    """What a GET wrote, and what its HEAD twin answered and wrote."""
    head = matrix.send(role, "head", url)
    problems = [f"{case.id} as {role} wrote {write}" for write in get.writes.program_state()]
    problems += [f"HEAD {case.id[4:]} as {role} wrote {write}" for write in head.writes.program_state()]
    refused_by_api = head.response.status_code == 405 and url.startswith("/api/")
    problem = None if refused_by_api else check(case.expect[role], head.response, url)
    if problem:
        problems.append(
            f"HEAD {case.id[4:]} as {role}: {problem} (HEAD answers as GET; the API may answer 405)"
        )
    return problems


@pytest.mark.parametrize("module", sorted(MODULES))
def test_permission_matrix(module: str, request: Any) -> None:
    matrix = Matrix(request)
    problems = []
    for case in MODULES[module].CASES:
        url = url_for(case, matrix.world)
        for role in ROLES:
            sent = matrix.send(role, case.method, url, **body(case, matrix.world, case.method))
            problem = check(case.expect[role], sent.response, url)
            if problem:
                problems.append(f"{case.id} as {role}: {problem}")
            if case.method == "get":
                problems += _get_and_head(matrix, case, role, url, sent)
    problems += matrix.unseen_writes()
    assert not problems, f"{len(problems)} of {matrix.sent} requests:\n  " + "\n  ".join(problems)
