"""Every URL × every HTTP method no case declares × every role: nobody succeeds, nothing is written.
And every state-changing case sent from a browser session without a CSRF token is refused.

The cases and their world are the permission matrix's (tests/matrix/); tests/matrix/runner.py sends
the requests, each rolled back, and reports what each wrote.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.matrix.base import LOGIN, ROLES, Case
from tests.matrix.runner import (
    METHODS,
    MODULES,
    STATE_CHANGING,
    Matrix,
    body,
    cases_by_url,
    error_of,
    is_sign_in,
    url_for,
)

REFUSED = {403, 404, 405}

pytestmark = pytest.mark.django_db  # the matrix's world is built in each test's transaction


def _anonymous_answer(cases: list[Case]) -> int | str | None:
    """What anonymous must get for an undeclared method: what the URL's cases say for the declared
    ones when that is a refusal (sign-in for pages, 401 for the API); None for a public URL."""
    answers = {case.expect["anonymous"] for case in cases}
    if answers == {LOGIN}:
        return LOGIN
    if answers == {401}:
        return 401
    return None


def _refusal(role: str, anonymous: int | str | None, response: Any, url: str) -> str | None:
    """None when `response` refuses `role`, else what it was."""
    status = response.status_code
    got = f"{status} {response.get('Location', '')}{error_of(response)}".rstrip()
    if role == "anonymous" and anonymous == LOGIN:
        return None if is_sign_in(response, url) else f"expected a redirect to sign-in, got {got}"
    if role == "anonymous" and anonymous == 401:
        return None if status == 401 else f"expected 401, got {got}"
    if status in REFUSED or (status == 401 and role == "anonymous"):
        return None
    # A bearer token means nothing to the pages: the integration token is a visitor there.
    if role in ("anonymous", "integration") and is_sign_in(response, url):
        return None
    return f"expected a refusal (403, 404 or 405), got {got}"


def _undeclared(cases: list[Case]) -> list[str]:
    declared = {case.method for case in cases}
    if "get" in declared:
        declared.add("head")  # GET without the body: tests/test_permission_matrix.py sends it with GET
    return [method for method in METHODS if method not in declared]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_undeclared_method_succeeds_or_writes(module: str, request: Any) -> None:
    matrix = Matrix(request)
    world = matrix.world
    problems = []
    for url_name, cases in cases_by_url(MODULES[module].CASES).items():
        # The URL without a query string, and a body of the URL's own cases (when any has one): a
        # method that the view handles then succeeds rather than failing validation.
        probe = Case(url_name, {}, kwargs=cases[0].kwargs)
        url = url_for(probe, world)
        with_data = next((case for case in cases if case.data is not None), None)
        anonymous = _anonymous_answer(cases)
        for method in _undeclared(cases):
            for role in ROLES:
                result = matrix.send(role, method, url, **body(with_data, world, method))
                problem = _refusal(role, anonymous, result.response, url)
                if problem:
                    problems.append(f"{method.upper()} {url_name} as {role}: {problem}")
                for write in result.writes.program_state():
                    problems.append(f"{method.upper()} {url_name} as {role} wrote {write}")
    problems += matrix.unseen_writes()
    assert matrix.sent, "no request was sent"
    assert not problems, f"{len(problems)} of {matrix.sent} requests:\n  " + "\n  ".join(problems)


def _reaches_the_view(case: Case, role: str) -> bool:
    return case.expect[role] not in (LOGIN, 401, 403, 404)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_state_changing_requests_without_a_csrf_token_are_refused(module: str, request: Any) -> None:
    """Sessions only: requests with `Authorization: Bearer` (personal and integration tokens) carry no
    cookie a third-party page could ride on, so the API exempts them from CSRF by design."""
    matrix = Matrix(request, enforce_csrf_checks=True)
    world = matrix.world
    problems = []
    for case in MODULES[module].CASES:
        if case.method not in STATE_CHANGING:
            continue
        url = url_for(case, world)
        for role in ROLES:
            if role == "integration" or not _reaches_the_view(case, role):
                continue
            result = matrix.send(role, case.method, url, **body(case, world, case.method))
            response = result.response
            if response.status_code != 403 or b"CSRF" not in response.content:
                problems.append(
                    f"{case.id} as {role}: expected 403 for the missing CSRF token, got "
                    f"{response.status_code} {response.get('Location', '')}{error_of(response)}".rstrip()
                )
            for write in result.writes.program_state():
                problems.append(f"{case.id} as {role} wrote {write}")
    problems += matrix.unseen_writes()
    assert matrix.sent, "no state-changing case in this module"
    assert not problems, f"{len(problems)} of {matrix.sent} requests:\n  " + "\n  ".join(problems)
