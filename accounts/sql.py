"""SQL for a list of ids found by an earlier query, shared by the apps: on PostgreSQL the whole list
is one array parameter (`column = ANY(%s::bigint[])`) instead of one placeholder per id (a thousand ids cost
more to bind and parse than the query takes to run); elsewhere a plain IN list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Lookup, QuerySet


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
_MARKERS: dict[type, Any] = {int: _MARKER_ID, str: "nmt-cert:compiled-once:marker", list: [_MARKER_ID]}
_KEPT_SHAPES = 128  # compiled statements kept per query (a shape is, say, a page's offset)


class CompiledOnce:
    """A query asked on every request, built with the ORM and compiled to SQL once (per database and
    shape), then run with each request's value: building and compiling the querysets took two to
    three times what the database took (1.8 ms against 0.5 ms for a staff member's roles, 1.6 ms
    against 0.7 ms for the participants a search word finds, 6 ms against 3 ms for a page of them).

    `build(value, *shape)` returns the queryset for one value: a whole number, a text, or (on
    PostgreSQL) a list of ids given to IdIn. The value must be among the compiled query's parameters;
    wherever it appears, each request's value takes its place. `shape` is what changes the statement
    itself (a page's offset, the columns): each shape is compiled once.

    Rows come as the database driver gives them, without the ORM's field converters: for ids, names,
    codes and flags, not for dates or decimals on SQLite."""

    def __init__(self, build: Callable[..., QuerySet[Any]]) -> None:
        self._build = build
        self._compiled: dict[tuple[Any, ...], tuple[str, tuple[Any, ...], tuple[int, ...]]] = {}

    def _statement(
        self, using: str, kind: type, shape: tuple[Any, ...]
    ) -> tuple[str, tuple[Any, ...], tuple[int, ...]]:
        key = (using, kind, *shape)
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        if kind is list and connections[using].vendor != "postgresql":
            raise ValueError("a list of ids is one parameter on PostgreSQL only")
        marker = _MARKERS[kind]
        sql, params = self._build(marker, *shape).query.get_compiler(using=using).as_sql()
        found = _array_literal(marker) if kind is list else marker
        at = tuple(i for i, p in enumerate(params) if type(p) is type(found) and p == found)
        if not at:
            raise ValueError("the query's value must appear among its parameters")
        if len(self._compiled) >= _KEPT_SHAPES:
            self._compiled.clear()
        compiled = self._compiled[key] = (sql, tuple(params), at)
        return compiled

    def _execute(self, cursor: Any, using: str, value: Any, shape: tuple[Any, ...]) -> None:
        kind = list if isinstance(value, list) else str if isinstance(value, str) else int
        sql, params, at = self._statement(using, kind, shape)
        given = _array_literal(value) if kind is list else kind(value)
        values = list(params)
        for i in at:
            values[i] = given
        cursor.execute(sql, values)

    def rows(
        self, value: int | str | list[int], *shape: Any, using: str = DEFAULT_DB_ALIAS
    ) -> list[tuple[Any, ...]]:
        with connections[using].cursor() as cursor:
            self._execute(cursor, using, value, shape)
            return list(cursor.fetchall())

    def dicts(
        self, value: int | str | list[int], *shape: Any, using: str = DEFAULT_DB_ALIAS
    ) -> list[dict[str, Any]]:
        """The rows as dictionaries keyed by the statement's column names (a values() query's keys)."""
        with connections[using].cursor() as cursor:
            self._execute(cursor, using, value, shape)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
