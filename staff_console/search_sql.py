"""The SQL expressions of the word search (PostgreSQL), shared by the search and the migration that
indexes them: letters and digits only, split into lower-case words, 'simple' configuration."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Lookup


def _words(columns: str) -> str:
    return f"to_tsvector('simple'::regconfig, regexp_replace({columns}, '[^[:alnum:]]+', ' ', 'g'))"


USER_WORDS = _words(
    "coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '')"
)
PROFILE_WORDS = _words("coalesce(legal_name, '')")

_NOT_WORD = re.compile(r"[\W_]+")


def prefix_query(typed: str) -> str | None:
    """A tsquery for one typed word: its parts in order, the last one as a prefix
    ("p7@exam" → 'p7' <-> 'exam':*). None when it holds no letter or digit."""
    parts = [p for p in _NOT_WORD.split(typed.lower()) if p]
    if not parts:
        return None
    # Only letters and digits remain, so quoting cannot be broken out of.
    quoted = [f"'{p}'" for p in parts]
    quoted[-1] += ":*"
    return " <-> ".join(quoted)


class IdIn(Lookup):
    """`column IN (ids)` for a list of integer ids found by an earlier query. On PostgreSQL the list
    goes as one array parameter (`column = ANY(%s)`) instead of one placeholder per id: a thousand ids,
    named three times in a search, cost more to bind and parse than the query took to run. An empty
    list matches nothing."""

    lookup_name = "id_in"
    prepare_rhs = False

    def __init__(self, lhs: Any, ids: Iterable[int]) -> None:
        super().__init__(lhs, [int(i) for i in ids])

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not self.rhs:
            raise EmptyResultSet
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        if connection.vendor == "postgresql":
            return f"{lhs_sql} = ANY(%s)", [*lhs_params, self.rhs]
        return f"{lhs_sql} IN ({', '.join(['%s'] * len(self.rhs))})", [*lhs_params, *self.rhs]
