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
        literal = ["{" + ",".join(str(int(i)) for i in ids) + "}"]
        if estimated:
            return f"{column_sql} = ANY(%s::bigint[])", literal
        return f"{column_sql} = ANY((SELECT %s::bigint[])::bigint[])", literal
    return f"{column_sql} IN ({', '.join(['%s'] * len(ids))})", list(ids)


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
# within a 32-bit integer column's range (Django answers a lookup beyond it without SQL); neither is
# like a query's constants.
_MARKERS: dict[type, Any] = {int: 2_147_480_519, str: "nmt-cert:compiled-once:marker"}


class CompiledOnce:
    """A query asked on every request, built with the ORM and compiled to SQL once (per database),
    then run with each request's value: building and compiling the queryset took two to three times
    what the database took (1.8 ms against 0.5 ms for a staff member's roles, 1.6 ms against 0.7 ms
    for the participants a search word finds).

    `build(value)` returns the queryset for one value, a whole number or a text; the value must be
    among the compiled query's parameters (wherever it appears, each request's value takes its place).
    Rows come as the database driver gives them, without the ORM's field converters: for ids, names
    and flags, not for dates or decimals on SQLite."""

    def __init__(self, build: Callable[[Any], QuerySet[Any]]) -> None:
        self._build = build
        self._compiled: dict[tuple[str, type], tuple[str, tuple[Any, ...], tuple[int, ...]]] = {}

    def _compile(self, using: str, kind: type) -> tuple[str, tuple[Any, ...], tuple[int, ...]]:
        marker = _MARKERS[kind]
        sql, params = self._build(marker).query.get_compiler(using=using).as_sql()
        at = tuple(i for i, p in enumerate(params) if type(p) is kind and p == marker)
        if not at:
            raise ValueError("the query's value must appear among its parameters")
        compiled = (sql, tuple(params), at)
        self._compiled[using, kind] = compiled
        return compiled

    def rows(self, value: int | str, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
        kind = str if isinstance(value, str) else int
        sql, params, at = self._compiled.get((using, kind)) or self._compile(using, kind)
        values = list(params)
        for i in at:
            values[i] = kind(value)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)
            return list(cursor.fetchall())
