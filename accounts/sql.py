"""SQL for a list of ids found by an earlier query, shared by the apps: on PostgreSQL the whole list
is one array parameter (`column = ANY(%s::bigint[])`) instead of one placeholder per id (a thousand ids cost
more to bind and parse than the query takes to run); elsewhere a plain IN list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Lookup


def ids_condition(column_sql: str, ids: Sequence[int], vendor: str) -> tuple[str, list[Any]]:
    """`column IN (ids)` as SQL and its parameters, for raw statements.

    On PostgreSQL the array goes as the text of an array literal ('{1,2,3}'), cast in the statement:
    psycopg adapts a Python list element by element, which for a thousand ids took longer (1.5 ms) than
    the query it was for. The database still sees a constant array, so its row estimates are the same."""
    if vendor == "postgresql":
        return f"{column_sql} = ANY(%s::bigint[])", ["{" + ",".join(str(int(i)) for i in ids) + "}"]
    return f"{column_sql} IN ({', '.join(['%s'] * len(ids))})", list(ids)


class IdIn(Lookup):
    """The same in the ORM: `.filter(IdIn(F("pk"), ids))`. An empty list matches nothing."""

    lookup_name = "id_in"
    prepare_rhs = False

    def __init__(self, lhs: Any, ids: Iterable[int]) -> None:
        super().__init__(lhs, [int(i) for i in ids])

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not self.rhs:
            raise EmptyResultSet
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        sql, params = ids_condition(lhs_sql, self.rhs, connection.vendor)
        return sql, [*lhs_params, *params]
