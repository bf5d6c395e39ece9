from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Who asks. "integration" is a metrics-tool token (scope "metrics") owned by an integration account.
ROLES = (
    "anonymous",
    "participant",
    "other_participant",
    "mentor",
    "other_mentor",
    "trainer",
    "staff",
    "admin",
    "integration",
)
LOGIN = "login"  # expected: redirect to the sign-in page
# Expected: 200, 201, 204 or a redirect that is not to sign-in. Only for an answer that truly varies:
# a precise status (302 for a form that redirects after its change) catches more.
ANY_OK = "ok"


class World:
    """Users of the cast plus whatever objects the app modules' `build` functions attach."""

    def __init__(self, cast: Any) -> None:
        self.cast = cast
        self.__dict__.update({name: getattr(cast, name) for name in ROLES if hasattr(cast, name)})


Value = Any | Callable[[World], Any]


@dataclass
class Case:
    url_name: str
    expect: dict[str, int | str]
    kwargs: Value = field(default_factory=dict)
    method: str = "get"
    data: Value = None
    content_type: str | None = None  # "application/json" for API bodies
    query: str = ""
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.url_name}{'?' + self.query if self.query else ''}{' ' + self.note if self.note else ''}"

    def resolve(self, value: Value, world: World) -> Any:
        return value(world) if callable(value) else value


def page(
    url_name: str,
    allowed: set[str] | frozenset[str],
    *,
    ok: int | str = 200,
    denied: int = 403,
    own: set[str] | None = None,
    not_found: set[str] = frozenset(),
    **kw: Any,
) -> Case:
    """A page: anonymous → sign-in; `allowed` roles → ok; `not_found` roles → 404; others → denied."""
    expect: dict[str, int | str] = {"anonymous": LOGIN}
    for role in ROLES[1:]:
        if role in allowed:
            expect[role] = ok
        elif role in not_found:
            expect[role] = 404
        elif role == "integration":
            expect[role] = LOGIN  # a bearer token means nothing to the pages
        else:
            expect[role] = denied
    return Case(url_name, expect, **kw)


def api(
    url_name: str,
    allowed: set[str] | frozenset[str],
    *,
    ok: int | str = 200,
    denied: int = 403,
    not_found: set[str] = frozenset(),
    anonymous: int = 401,
    **kw: Any,
) -> Case:
    """An API endpoint: anonymous → 401; `allowed` → ok; `not_found` → 404; others → denied."""
    expect: dict[str, int | str] = {"anonymous": anonymous}
    for role in ROLES[1:]:
        if role in allowed:
            expect[role] = ok
        elif role in not_found:
            expect[role] = 404
        else:
            expect[role] = denied
    return Case(url_name, expect, **kw)


def public(url_name: str, ok: int | str = 200, **kw: Any) -> Case:
    return Case(url_name, {role: ok for role in ROLES}, **kw)


EVERYONE = frozenset(ROLES[1:-1])  # every signed-in person (not the integration token)
STAFF = frozenset({"staff", "admin"})
ADMIN = frozenset({"admin"})
PARTICIPANTS = frozenset({"participant", "other_participant", "trainer"})
MENTORS = frozenset({"mentor", "other_mentor"})
