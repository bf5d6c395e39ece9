"""`reverse` worked out once per address shape, for the links every page repeats.

Django's reverse costs tens of microseconds a call (it looks up the active language, the resolver's
tables, and quotes the arguments). A page frame links to a dozen fixed addresses and a list page to
one address per row, so pages called it forty to a hundred and fifty times. Addresses depend on
the view name, the script prefix and the URL configuration only, and all three are the cache key.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.urls import get_script_prefix, get_urlconf, reverse

_ID_MARKER = 9_876_543_210_123  # an id no row will have, to find where the id goes in a URL


@functools.lru_cache(maxsize=512)
def _fixed(viewname: str, script_prefix: str, urlconf: Any) -> str:
    return reverse(viewname, urlconf=urlconf)


@functools.lru_cache(maxsize=256)
def _id_url_parts(viewname: str, script_prefix: str, urlconf: Any) -> tuple[str, str]:
    head, _, tail = reverse(viewname, args=[_ID_MARKER], urlconf=urlconf).partition(str(_ID_MARKER))
    return head, tail


def reverse_fixed(viewname: str) -> str:
    """reverse(viewname) for a URL that takes no arguments."""
    return _fixed(viewname, get_script_prefix(), get_urlconf())


def reverse_id(viewname: str, pk: int) -> str:
    """reverse(viewname, args=[pk]) for a URL whose one argument is an integer id."""
    return id_url(viewname)(pk)


def id_url(viewname: str) -> Callable[[int], str]:
    """reverse_id for one view name, worked out now: for a page that links every row to it (looking up
    the script prefix and URL configuration took 10 µs a call, a tenth of a queue row)."""
    head, tail = _id_url_parts(viewname, get_script_prefix(), get_urlconf())
    return lambda pk: f"{head}{int(pk)}{tail}"
