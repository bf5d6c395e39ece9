"""accounts.pagination.page_of (one query for a page and the total), accounts.html.text (escaping as
Django's conditional_escape does) and accounts.urlcache (addresses as reverse gives them)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import strategies as st

from accounts.html import text
from accounts.models import User
from accounts.pagination import TOTAL, page_of
from accounts.urlcache import reverse_fixed, reverse_id
from tests.support import make_user


@pytest.fixture
def people(db: Any) -> list[User]:
    return [make_user(f"person{i:02d}@example.org") for i in range(23)]


def _emails(page: Any) -> list[str]:
    return [u.email for u in page.object_list]


def test_a_page_and_its_total_come_from_one_query(people: list[User]) -> None:
    everyone = User.objects.filter(email__startswith="person").order_by("email")
    with CaptureQueriesContext(connection) as ctx:
        page = page_of(everyone, "2", 10)
        assert page.paginator.count == 23
        assert page.paginator.num_pages == 3
        assert _emails(page) == [f"person{i:02d}@example.org" for i in range(10, 20)]
        assert page.has_next() and page.has_previous()
    assert len(ctx.captured_queries) == 1


@pytest.mark.parametrize("indexed", [False, True])
@pytest.mark.parametrize(
    ("asked", "number", "first"),
    [("3", 3, 20), ("9", 3, 20), ("0", 1, 0), ("-4", 1, 0), ("two", 1, 0), (None, 1, 0), ("9" * 40, 3, 20)],
)
def test_pages_out_of_range_show_the_nearest_one(
    people: list[User], asked: Any, number: int, first: int, indexed: bool
) -> None:
    """The same pages whether the total comes with the rows or, for a page read in an index's order,
    from a count of its own."""
    everyone = User.objects.filter(email__startswith="person").order_by("email")
    page = page_of(everyone, asked, 10, ordered_by_index=indexed)
    assert page.number == number
    assert _emails(page)[0] == f"person{first:02d}@example.org"
    assert page.paginator.count == 23


def test_nothing_to_show_is_one_empty_page(people: list[User]) -> None:
    page = page_of(User.objects.filter(email="nobody@example.org").order_by("pk"), "5", 10)
    assert (page.number, page.paginator.count, list(page.object_list)) == (1, 0, [])


def test_values_querysets_carry_the_total_as_a_key(people: list[User]) -> None:
    page = page_of(User.objects.filter(email__startswith="person").order_by("email").values("email"), 3, 10)
    assert [r["email"] for r in page.object_list] == [f"person{i:02d}@example.org" for i in range(20, 23)]
    assert all(r[TOTAL] == 23 for r in page.object_list)


@given(st.one_of(st.text(), st.integers(), st.none(), st.decimals(allow_nan=False)))
def test_text_escapes_as_conditional_escape(value: Any) -> None:
    assert text(value) == conditional_escape(value)


def test_text_keeps_markup_marked_safe() -> None:
    assert text(mark_safe("<b>x</b>")) == "<b>x</b>"
    assert text('<a href="x">\'</a>') == "&lt;a href=&quot;x&quot;&gt;&#x27;&lt;/a&gt;"


def test_cached_addresses_are_reverses() -> None:
    assert reverse_fixed("staff_console:search") == reverse("staff_console:search")
    assert reverse_id("staff_console:participant", 42) == reverse("staff_console:participant", args=[42])


@pytest.mark.django_db
def test_roles_and_mfa_in_one_query_agree_with_allauth() -> None:
    from allauth.mfa.utils import is_mfa_enabled

    from accounts.roles import user_roles_and_mfa

    with_mfa = make_user("with-mfa@example.org", ["staff"], mfa=True)
    without = make_user("without-mfa@example.org", ["staff", "mentor"])
    for user in (with_mfa, without):
        fresh = User.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as ctx:
            roles, mfa = user_roles_and_mfa(fresh)
            assert user_roles_and_mfa(fresh) == (roles, mfa)  # kept for the request
        assert len(ctx.captured_queries) == 1
        assert mfa == is_mfa_enabled(user)
        assert roles == frozenset(user.groups.values_list("name", flat=True))
