"""Sends the matrix's requests and watches what each one writes.

`Matrix` builds one world per test (every app module's `build` runs, as the cases of one module rely
on objects of others) and a client per role; each request then runs in a savepoint that is rolled
back, with the client's cookies and the cache put back afterwards, so it sees the world as built
whatever came before it.

Each request's writes are the INSERT, UPDATE and DELETE statements it ran, the callbacks it queued for
after the commit (mail, PDFs, Celery tasks) and the mail it sent at once. As a cross-check that nothing
wrote behind those statements (a trigger, say), `Matrix.unseen_writes` compares them with the
database's own count of written rows: PostgreSQL's per-table counters of the current transaction
(pg_stat_xact_user_tables, which count rows written in rolled-back savepoints too) or SQLite's
total_changes(). The one table written behind statements on purpose, the search's index table, counts
as seen when a table its triggers watch was written.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import pkgutil
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import tests.matrix as matrix_pkg
from accounts.models import ApiToken
from accounts.services import api_token_create
from staff_console.search_sql import WORDS_SOURCES, WORDS_TABLE
from tests.support import make_user

from .base import ANY_OK, LOGIN, ROLES, Case, World

MODULES: dict[str, ModuleType] = {
    info.name: module
    for info in pkgutil.iter_modules(matrix_pkg.__path__)
    if hasattr(module := importlib.import_module(f"tests.matrix.{info.name}"), "CASES")
}
ALL_CASES: list[Case] = [case for module in MODULES.values() for case in module.CASES]

METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
STATE_CHANGING = ("post", "put", "patch", "delete")
SIGN_IN_PATH = "/accounts/login/"


def build_world(cast: Any) -> World:
    world = World(cast)
    integration_user = make_user("metrics-tool@example.org", [])
    token, world.integration_secret = api_token_create(
        actor=cast.staff, user=integration_user, name="metrics tool", scope=ApiToken.Scope.METRICS
    )
    # Used just now: its requests need not stamp the time again (BearerTokenAuthentication).
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    for module in MODULES.values():
        module.build(world)
    return world


def url_for(case: Case, world: World) -> str:
    url = reverse(case.url_name, kwargs=case.resolve(case.kwargs, world))
    return url + (f"?{case.query}" if case.query else "")


# --- What a request wrote ------------------------------------------------------------------------

# Writes that are not the program's state: table → a pattern its write statements match, and why any
# request may make them.
TECHNICAL_WRITES: dict[str, re.Pattern[str]] = {
    # Sign-in state: SessionLimitsMiddleware stamps every signed-in session with the time it was last
    # seen (for the idle timeout), and messages ride in the session until shown.
    "django_session": re.compile(""),
    # Bookkeeping of when a token was last used (at most every 5 minutes), shown to its owner: this
    # column alone, never the token itself.
    "accounts_apitoken": re.compile(r'^UPDATE "accounts_apitoken" SET "last_used_at" = [^,]* WHERE '),
}

_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass
class Writes:
    statements: list[tuple[str, str]] = field(default_factory=list)  # (table, sql) of every write
    on_commit: int = 0
    mails: int = 0

    def program_state(self) -> list[str]:
        """Writes that change the program's state: every one not listed in TECHNICAL_WRITES."""
        problems = [
            f"{table}: {sql[:160]}"
            for table, sql in self.statements
            if not (table in TECHNICAL_WRITES and TECHNICAL_WRITES[table].search(sql))
        ]
        if self.on_commit:
            problems.append(f"{self.on_commit} callback(s) queued for after the commit")
        if self.mails:
            problems.append(f"{self.mails} mail(s) sent")
        return problems


def _written_rows() -> dict[str, int]:
    """The database's own count of rows written so far in this transaction, per table (PostgreSQL's
    counters count rows written in rolled-back savepoints too), or in all (SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
                " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
            )
            return dict(cursor.fetchall())
        cursor.execute("SELECT total_changes()")
        return {"*": cursor.fetchone()[0]}


@contextmanager
def _watch() -> Iterator[Writes]:
    writes = Writes()
    queued = len(connection.run_on_commit)
    sent = len(mail.outbox)
    # The log keeps the last 9000 queries only; a full one would make the capture below see nothing.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        yield writes
    for query in queries.captured_queries:
        match = _WRITE.match(query["sql"])
        if match:
            writes.statements.append((match.group(2), query["sql"]))
    writes.on_commit = len(connection.run_on_commit) - queued
    writes.mails = len(mail.outbox) - sent


# --- Sending ---------------------------------------------------------------------------------------


def body(case: Case | None, world: World, method: str) -> dict[str, Any]:
    """Client keyword arguments for the case's data sent with `method` (any method, not only its own)."""
    data = case.resolve(case.data, world) if case is not None else None
    if method in ("get", "head") or data is None:
        return {}
    if case is not None and case.content_type == "application/json":
        return {"data": json.dumps(data), "content_type": "application/json"}
    if method == "post":
        return {"data": data}  # the client encodes forms and files as multipart
    plain = {key: value for key, value in data.items() if isinstance(value, str | int | float | bool | list)}
    return {"data": urlencode(plain, doseq=True), "content_type": "application/x-www-form-urlencoded"}


@dataclass
class Sent:
    response: Any
    writes: Writes


class Matrix:
    """The world, a client per role, and `send`: one request, undone afterwards (the database by a
    savepoint, the client's cookies, the cache). `unseen_writes` then compares the database's own
    count of written rows with the write statements the requests ran."""

    def __init__(self, request: Any, *, enforce_csrf_checks: bool = False) -> None:
        """`request`: the test's pytest request (the cast, settings and monkeypatch fixtures)."""
        # An in-process cache: cleared before every request (rate limits count every request of the
        # run otherwise) at no cost, where Redis would take a round trip each time.
        settings = request.getfixturevalue("settings")
        settings.CACHES = {
            **settings.CACHES,
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
        # Thousands of refusals, each logged with its traceback by Django, cost more than the requests;
        # the answers (and any error's exception) are in the test's own report.
        request.getfixturevalue("monkeypatch").setattr(logging.getLogger("django.request"), "disabled", True)
        self.world = build_world(request.getfixturevalue("cast"))
        self.clients = self._clients(enforce_csrf_checks)
        self.sent = 0
        self._written_before = _written_rows()
        self._tables_written: set[str] = set()

    def _clients(self, enforce_csrf_checks: bool) -> dict[str, Client]:
        """Errors come back as 500 responses (with `exc_info`), not exceptions, so one failing request
        is reported with the others instead of hiding them."""
        options = {"enforce_csrf_checks": enforce_csrf_checks, "raise_request_exception": False}
        made = {"anonymous": Client(**options)}
        for role in ROLES:
            if role not in ("anonymous", "integration"):
                made[role] = Client(**options)
                made[role].force_login(getattr(self.world, role))
                # Seen "in the future": SessionLimitsMiddleware leaves the session alone instead of
                # saving a new stamp on every request of the run (three queries each).
                session = made[role].session
                session.update({"nmt_started": int(time.time()), "nmt_seen": int(time.time()) + 3600})
                session.save()
        made["integration"] = Client(
            raise_request_exception=False,
            headers={"Authorization": f"Bearer {self.world.integration_secret}"},
        )
        return made

    def send(self, role: str, method: str, url: str, **kwargs: Any) -> Sent:
        client = self.clients[role]
        cookies = copy.deepcopy(client.cookies)
        queued = len(connection.run_on_commit)
        cache.clear()
        sid = transaction.savepoint()
        try:
            with _watch() as writes:
                response = getattr(client, method)(url, **kwargs)
        finally:
            transaction.savepoint_rollback(sid)
            del connection.run_on_commit[queued:]  # they would never run: the test's transaction rolls back
            client.cookies = cookies
        self.sent += 1
        self._tables_written |= {table for table, _ in writes.statements}
        return Sent(response, writes)

    def unseen_writes(self) -> list[str]:
        """Rows written during the run in tables no write statement we saw names (a trigger, say)."""
        after = _written_rows()
        if connection.vendor != "postgresql":
            changed = after["*"] != self._written_before["*"]
            return (
                ["rows written, but no write statement seen"] if changed and not self._tables_written else []
            )
        seen = set(self._tables_written)
        if seen & WORDS_SOURCES:  # the search's index table, which their triggers keep
            seen.add(WORDS_TABLE)
        return [
            f"{count - self._written_before.get(table, 0)} row(s) written in {table}, by no statement seen"
            for table, count in after.items()
            if count != self._written_before.get(table, 0) and table not in seen
        ]


# --- Checking an answer ---------------------------------------------------------------------------


def error_of(response: Any) -> str:
    exc = getattr(response, "exc_info", None)
    return f" ({exc[0].__name__}: {exc[1]})" if exc else ""


def is_sign_in(response: Any, url: str) -> bool:
    """A redirect to the sign-in page that comes back to `url` afterwards."""
    if response.status_code != 302:
        return False
    location = urlsplit(response.get("Location", ""))
    return location.path == SIGN_IN_PATH and parse_qs(location.query).get("next") == [url]


def is_success(response: Any) -> bool:
    status = response.status_code
    return 200 <= status < 300 or (status == 302 and SIGN_IN_PATH not in response.get("Location", ""))


def check(expected: int | str, response: Any, url: str) -> str | None:
    """None when `response` is what `expected` (a status, LOGIN or ANY_OK) says, else what went wrong."""
    status = response.status_code
    got = f"got {status} {response.get('Location', '')}{error_of(response)}".rstrip()
    if expected == LOGIN:
        return None if is_sign_in(response, url) else f"expected a redirect to sign-in, {got}"
    if expected == ANY_OK:
        return None if is_success(response) else f"expected success, {got}"
    if expected == 302 and SIGN_IN_PATH in response.get("Location", ""):
        return f"expected 302 (not to sign-in), {got}"  # a signed-in role that is sent to sign in
    return None if status == expected else f"expected {expected}, {got}"


def cases_by_url(cases: list[Case]) -> dict[str, list[Case]]:
    grouped: dict[str, list[Case]] = {}
    for case in cases:
        grouped.setdefault(case.url_name, []).append(case)
    return grouped
