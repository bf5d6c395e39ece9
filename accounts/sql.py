"""SQL helpers shared by the apps.

- A list of ids found by an earlier query as one condition: on PostgreSQL the whole list is one array
  parameter (`column = ANY(%s::bigint[])`) instead of one placeholder per id (a thousand ids cost more to
  bind and parse than the query takes to run); elsewhere a plain IN list.
- CompiledOnce: a query asked on every request, compiled by the ORM once and run with each request's
  value."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Lookup, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]


def ids_condition(
    column_sql: str, ids: Sequence[int], vendor: str, estimated: bool = True
) -> tuple[str, list[Any]]:
    """`column IN (ids)` as SQL and its parameters, for raw statements.

    On PostgreSQL the array goes as the text of an array literal ('{1,2,3}'), cast in the statement:
    psycopg adapts a Python list element by element, which for a thousand ids took longer (1.5 ms) than
    the query it was for. The database still sees a constant array, so its row estimates are the same.

    `estimated=False`: the array is read by a one-row subquery, so the planner does not see its
    values. It estimates a constant array element by element, about a millisecond per thousand ids;
    where the list only narrows a subquery whose plan it does not change (the search's participant
    tests), that planning is time lost on every broad search."""
    if vendor == "postgresql":
        literal = [_array_literal(ids)]
        if estimated:
            return f"{column_sql} = ANY(%s::bigint[])", literal
        return f"{column_sql} = ANY((SELECT %s::bigint[])::bigint[])", literal
    return f"{column_sql} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _array_literal(ids: Iterable[int]) -> str:
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


class IdIn(Lookup):
    """The same in the ORM: `.filter(IdIn(F("pk"), ids))`. An empty list matches nothing.
    `estimated=False` as in ids_condition."""

    lookup_name = "id_in"
    prepare_rhs = False

    def __init__(self, lhs: Any, ids: Iterable[int], estimated: bool = True) -> None:
        super().__init__(lhs, [int(i) for i in ids])
        self.estimated = estimated

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not self.rhs:
            raise EmptyResultSet
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        sql, params = ids_condition(lhs_sql, self.rhs, connection.vendor, self.estimated)
        return sql, [*lhs_params, *params]


# The values a query is compiled with, to find where each request's value goes. The number lies
# within a 32-bit integer column's range (Django answers a lookup beyond it without SQL); none is
# like a query's constants. A list of ids is found as the array literal that ids_condition makes.
_MARKER_ID = 2_147_480_519
_MARKERS: dict[type, Any] = {
    int: _MARKER_ID,
    str: "nmt-cert:compiled-once:marker",
    list: [_MARKER_ID],
    type(None): None,
}
_KEPT_SHAPES = 128  # compiled statements kept per query (a shape is, say, a page's offset)


def _kind_of(value: Any) -> type:
    """Which marker a value takes the place of."""
    if value is None:
        return type(None)
    if isinstance(value, list):
        return list
    return str if isinstance(value, str) else int


def _dict_rows(cursor: Any) -> list[dict[str, Any]]:
    """A cursor's rows as dictionaries keyed by its column names (a values() query's keys)."""
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _cursor(using: str) -> Any:
    """A cursor for a compiled statement. On PostgreSQL it binds the parameters on the server, where
    Django's own cursors bind them in the client: psycopg then prepares a statement it has run
    DB_PREPARE_THRESHOLD times (5) on one connection, so with kept connections (CONN_MAX_AGE) the
    database stops parsing and planning the same statement on every request: in process, prepared and
    not taking turns, 0.6-1 ms off the queue page and 1.2 ms off a search. With a connection per
    request nothing is prepared. Logged as Django's own cursors are (queries_logged), for the tests'
    query counts."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined] # psycopg 3 only
        ServerBindingCursor,
    )
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    # As the backend's create_cursor: its time zone, where the connection's differs (a test's setting).
    if (
        connection.connection.adapters.get_loader(
            psycopg.adapters.types["timestamptz"].oid, Format.TEXT
        ).timezone
        != connection.timezone
    ):
        register_tzloader(connection.timezone, raw)
    connection.validate_thread_sharing()
    return _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)


class _LoggedCursor(CursorDebugWrapper):
    """Django's query log for a server-bound cursor: psycopg keeps no text of a prepared statement's
    run (Django's log would show None), so the log gets the statement with its values put in, as
    Django logs its own. Only where queries are logged (DEBUG, the tests)."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        try:
            shown = self.db.ops.compose_sql(sql, params)
        except psycopg.Error:  # a value psycopg cannot show: the statement as it is
            shown = sql
        with self.debug_sql(shown, params):
            return CursorWrapper.execute(self, sql, params)


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[Any, ...]
    at: tuple[int, ...]  # where the value goes among the parameters
    compiler: Any  # the ORM's compiler, which knows how to turn the rows into model instances


class CompiledOnce:
    """A query asked on every request, built with the ORM and compiled to SQL once (per database and
    shape), then run with each request's value: building and compiling the querysets took two to
    three times what the database took (1.8 ms against 0.5 ms for a staff member's roles, 1.6 ms
    against 0.7 ms for the participants a search word finds, 6 ms against 3 ms for a page of them).

    `build(value, *shape)` returns the queryset for one value: a whole number, a text, (on
    PostgreSQL) a list of ids given to IdIn, or None for a query that takes no value. The value must
    be among the compiled query's parameters; wherever it appears, each request's value takes its
    place. `shape` is what changes the statement itself (a page's offset, the columns, the day): each
    shape is compiled once.

    `rows` and `dicts` give the rows as the database driver gives them, without the ORM's field
    converters (for ids, names, codes and flags); `instances` gives model instances as iterating the
    queryset would; `count` the number of rows."""

    def __init__(self, build: Callable[..., QuerySet[Any]]) -> None:
        self._build = build
        self._compiled: dict[tuple[Any, ...], _Statement] = {}

    def _statement(self, using: str, kind: type, shape: tuple[Any, ...], counted: bool = False) -> _Statement:
        key = (using, kind, counted, *shape)
        statement = self._compiled.get(key)
        connection = connections[using]
        if statement is not None and statement.compiler.connection is connection:
            return statement
        if kind is list and connection.vendor != "postgresql":
            raise ValueError("a list of ids is one parameter on PostgreSQL only")
        marker = _MARKERS[kind]
        queryset = self._build(marker, *shape)
        if counted:
            queryset = queryset.order_by().values("pk")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if counted:
            sql = f"SELECT COUNT(*) FROM ({sql}) counted"  # noqa: S608 # the ORM's own statement
        at: tuple[int, ...] = ()
        if kind is not type(None):
            found = _array_literal(marker) if kind is list else marker
            at = tuple(i for i, p in enumerate(params) if type(p) is type(found) and p == found)
            if not at:
                raise ValueError("the query's value must appear among its parameters")
        if len(self._compiled) >= _KEPT_SHAPES:
            self._compiled.clear()
        statement = self._compiled[key] = _Statement(sql, tuple(params), at, compiler)
        return statement

    def _execute(
        self, cursor: Any, using: str, value: Any, shape: tuple[Any, ...], counted: bool = False
    ) -> _Statement:
        kind = _kind_of(value)
        statement = self._statement(using, kind, shape, counted)
        values = list(statement.params)
        if statement.at:
            given = _array_literal(value) if kind is list else kind(value)
            for i in statement.at:
                values[i] = given
        cursor.execute(statement.sql, values)
        return statement

    def rows(self, value: Any, *shape: Any, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
        with _cursor(using) as cursor:
            self._execute(cursor, using, value, shape)
            return list(cursor.fetchall())

    def dicts(self, value: Any, *shape: Any, using: str = DEFAULT_DB_ALIAS) -> list[dict[str, Any]]:
        """The rows as dictionaries keyed by the statement's column names (a values() query's keys)."""
        with _cursor(using) as cursor:
            self._execute(cursor, using, value, shape)
            return _dict_rows(cursor)

    def count(self, value: Any, *shape: Any, using: str = DEFAULT_DB_ALIAS) -> int:
        """How many rows the queryset has (it must not be sliced)."""
        with _cursor(using) as cursor:
            self._execute(cursor, using, value, shape, counted=True)
            return int(cursor.fetchone()[0])

    def instances(self, value: Any, *shape: Any, using: str = DEFAULT_DB_ALIAS) -> list[Any]:
        """Model instances, with their select_related rows and annotations, as iterating the queryset
        gives them (Django's ModelIterable, from the compiler kept with the statement); no prefetches."""
        with _cursor(using) as cursor:
            statement = self._execute(cursor, using, value, shape)
            fetched = cursor.fetchall()
        compiler = statement.compiler
        select, klass_info, annotation_col_map = (
            compiler.select,
            compiler.klass_info,
            compiler.annotation_col_map,
        )
        model_cls = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [f[0].target.attname for f in select[start:end]]
        related_populators = get_related_populators(klass_info, select, using)
        objects = []
        for row in compiler.results_iter([fetched]):
            obj = model_cls.from_db(using, init_list, row[start:end])
            for populator in related_populators:
                populator.populate(row, obj)
            for name, position in (annotation_col_map or {}).items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects
