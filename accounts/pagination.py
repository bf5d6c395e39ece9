"""One page of a queryset and the number of rows in all, in one query.

Django's Paginator counts first (a COUNT over everything the filters match) and then reads the page:
two queries that each evaluate the filters. Here the page's rows carry the total as a window count
(`COUNT(*) OVER ()`), which the database works out from the rows it sorts for the page anyway. The
count is only asked separately when the page asked for lies beyond the last one (an old link after
items were dealt with), and then the last page is shown, as Paginator.get_page does.

The one exception is a page read in an index's order (`ordered_by_index`): there the database can stop
after the page's rows, which a window count would prevent, so the count is a query of its own.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window

TOTAL = "_page_total"


def _total_of(row: Any) -> int:
    return int(row[TOTAL] if isinstance(row, dict) else getattr(row, TOTAL))


MAX_OFFSET = 1_000_000_000  # no database offset is this large


def page_number(number: Any) -> int:
    """The page asked for: 1 when it is not a whole number or below 1."""
    try:
        return max(1, int(number))
    except (TypeError, ValueError, OverflowError):
        return 1


def page_of_rows(rows: list[Any], wanted: int, per_page: int) -> Page:
    """Page `wanted` from its rows read with the window count TOTAL, as page_of reads them (for a page
    read some other way, e.g. accounts.sql.CompiledOnce); `rows` must not be empty."""
    paginator = Paginator(rows, per_page)
    paginator.count = _total_of(rows[0])  # type: ignore[misc] # fills Paginator's cached_property
    return Page(rows, wanted, paginator)


def page_of(
    queryset: QuerySet[Any],
    number: Any,
    per_page: int,
    *,
    ordered_by_index: bool = False,
    known_empty: bool = False,
) -> Page:
    """The page `number` (1 when it is not a whole number, the last one when it is past the end) of
    an ordered queryset, as a django.core.paginator.Page. A values() queryset must not have been
    sliced or aggregated; its rows gain the key TOTAL, model rows the attribute TOTAL.

    `ordered_by_index`: the order comes straight from an index, so the database can stop reading after
    the page; a window count would make it read every row. Then the rows are counted first, on their
    own (as Paginator does), and the page read with a plain LIMIT.

    `known_empty`: the page asked for was already read and came back empty (search_page), so the
    rows are counted straight away and the last page read."""
    paginator = Paginator(queryset, per_page)
    wanted = page_number(number)
    if ordered_by_index:
        return paginator.get_page(wanted)
    counted = queryset.annotate(**{TOTAL: Window(Count("*"))})
    if known_empty or (wanted - 1) * per_page > MAX_OFFSET:
        rows: list[Any] = []
    else:
        rows = list(counted[(wanted - 1) * per_page : wanted * per_page])
    if rows:
        return page_of_rows(rows, wanted, per_page)
    paginator.count = queryset.count()  # type: ignore[misc]
    try:
        paginator.validate_number(wanted)
    except (EmptyPage, PageNotAnInteger):
        wanted = paginator.num_pages
        if paginator.count:
            rows = list(counted[(wanted - 1) * per_page : wanted * per_page])
    return Page(rows, wanted, paginator)
