"""The SQL expressions of the word search (PostgreSQL), shared by the search and the migration that
indexes them: letters and digits only, split into lower-case words, 'simple' configuration."""

from __future__ import annotations

import re


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
