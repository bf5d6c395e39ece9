"""accounts.sql: a list of ids as one condition (an array literal on PostgreSQL, an IN list elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.sql import CompiledOnce, IdIn, ids_condition
from tests.support import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: Any) -> list[User]:
    return [make_user(f"listed{i}@example.org") for i in range(5)]


def test_the_listed_ids_and_no_others(people: list[User]) -> None:
    wanted = [people[0].pk, people[3].pk, 10**12]  # an id nobody has matches nothing
    assert set(User.objects.filter(IdIn(F("pk"), wanted)).values_list("pk", flat=True)) == {
        people[0].pk,
        people[3].pk,
    }
    assert not User.objects.filter(IdIn(F("pk"), [])).exists()


def test_a_long_list_is_one_parameter_on_postgresql(people: list[User]) -> None:
    ids = [p.pk for p in people] + list(range(10**9, 10**9 + 3000))
    sql, params = ids_condition("id", ids, connection.vendor)
    if connection.vendor == "postgresql":
        assert len(params) == 1 and params[0].startswith("{") and sql.endswith("::bigint[])")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {User._meta.db_table} WHERE {sql}", params)
        assert cursor.fetchone()[0] == len(people)


def test_ids_are_whole_numbers_only() -> None:
    with pytest.raises((TypeError, ValueError)):
        IdIn(F("pk"), ["1); DROP TABLE x; --"])  # type: ignore[list-item]


def test_a_list_hidden_from_the_planner_matches_the_same_ids(people: list[User]) -> None:
    wanted = [people[1].pk, people[4].pk, 10**12]
    hidden = User.objects.filter(IdIn(F("pk"), wanted, estimated=False))
    assert set(hidden.values_list("pk", flat=True)) == {people[1].pk, people[4].pk}
    sql, params = ids_condition("id", wanted, connection.vendor, estimated=False)
    if connection.vendor == "postgresql":
        assert "(SELECT %s::bigint[])" in sql and len(params) == 1
    assert not User.objects.filter(IdIn(F("pk"), [], estimated=False)).exists()


def test_a_query_compiled_once_answers_as_the_orm_does_for_each_value(people: list[User]) -> None:
    built: list[int] = []

    def names_of(pk: int) -> Any:
        built.append(pk)
        return User.objects.filter(pk=pk).values_list("email", "is_active").order_by()

    query = CompiledOnce(names_of)
    for person in people[:3]:
        assert query.rows(person.pk) == [(person.email, True)]
    assert query.rows(10**12) == []
    assert len(built) == 1  # compiled for the first value only


def test_a_compiled_query_takes_a_text_wherever_it_appears(people: list[User]) -> None:
    people[3].first_name = "Findme"
    people[3].save(update_fields=["first_name"])
    query = CompiledOnce(
        lambda text: User.objects.filter(Q(email=text) | Q(first_name=text)).values_list("pk").order_by()
    )
    assert query.rows(people[2].email) == [(people[2].pk,)]  # its first place
    assert query.rows("Findme") == [(people[3].pk,)]  # its second
    assert query.rows("nobody@example.org") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a list of ids is one parameter on PostgreSQL")
def test_a_query_among_another_querys_ids_is_one_statement_with_the_same_rows(people: list[User]) -> None:
    """dicts_among(source, value, cap) reads the rows dicts(ids) reads, where ids are what source finds
    for value, in one statement; more than `cap` ids give no row at all. A percent sign written in
    either statement stays one."""
    for n, person in enumerate(people):
        person.last_name = f"Among{n % 2}"
        person.save(update_fields=["last_name"])
    # Constant SQL with percent signs in it (no name here holds an "s"; every e-mail an "@").
    any_name = RawSQL("last_name NOT LIKE '%%s%%'", [], BooleanField())
    any_email = RawSQL("email LIKE '%%@%%'", [], BooleanField())
    source = CompiledOnce(lambda text: User.objects.filter(any_email, last_name=text).values_list("pk"))
    target = CompiledOnce(
        lambda ids, offset: (
            User.objects.filter(any_name, IdIn(F("pk"), ids))
            .filter(IdIn(F("pk"), ids, estimated=False))
            .values("pk", "last_name")
            .order_by("pk")[offset : offset + 2]
        )
    )
    for text, offset in (("Among0", 0), ("Among1", 0), ("Among0", 2), ("Nobody", 0)):
        with CaptureQueriesContext(connection) as queries:
            together = target.dicts_among(source, text, 10, offset)
        assert len(queries) == 1
        ids = [row[0] for row in source.rows(text)]
        assert together == (target.dicts(ids, offset) if ids else []), text
    among0 = sorted(p.pk for p in people if p.last_name == "Among0")
    assert len(among0) == 3
    assert [row["pk"] for row in target.dicts_among(source, "Among0", 3, 0)] == among0[:2]
    assert target.dicts_among(source, "Among0", 2, 0) == []  # more ids than the cap


def _scans_of(plan: Any, table: str) -> int:
    """How many nodes of an EXPLAIN (FORMAT JSON) plan read `table`."""
    if isinstance(plan, list):
        return sum(_scans_of(p, table) for p in plan)
    if not isinstance(plan, dict):
        return 0
    own = 1 if plan.get("Relation Name") == table else 0
    return own + sum(_scans_of(v, table) for k, v in plan.items() if k in ("Plan", "Plans"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a list of ids is one parameter on PostgreSQL")
def test_a_query_among_another_querys_ids_runs_the_other_query_once(people: list[User]) -> None:
    """The source query of dicts_among is planned once: its list is both capped and read, and
    PostgreSQL, left to itself, folds the CTE's inner SELECT into the CASE and runs the source
    twice (a broad search word's matches took 3 ms each time)."""
    from enrollment.models import ParticipantProfile

    for person in people:
        ParticipantProfile.objects.create(
            user=person, legal_name=f"Once {person.pk}", currently_practicing=True
        )
    source = CompiledOnce(
        lambda text: ParticipantProfile.objects.filter(legal_name__gt=text).values_list("user_id")
    )
    target = CompiledOnce(
        lambda ids, offset: (
            User.objects.filter(IdIn(F("pk"), ids)).values("pk").order_by("pk")[offset : offset + 3]
        )
    )
    with CaptureQueriesContext(connection) as queries:
        rows = target.dicts_among(source, "Once", 10, 0)
    assert [row["pk"] for row in rows] == sorted(p.pk for p in people)[:3]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + queries.captured_queries[0]["sql"].replace("%", "%%"))
        plan = cursor.fetchone()[0]
    assert _scans_of(plan, ParticipantProfile._meta.db_table) == 1


def test_a_compiled_query_needs_its_value_among_its_parameters() -> None:
    never = CompiledOnce(lambda pk: User.objects.filter(is_active=True).values_list("pk"))
    with pytest.raises(ValueError, match="must appear among its parameters"):
        never.rows(1)


def test_compiled_model_rows_and_counts_are_the_orms(people: list[User]) -> None:
    """instances() gives model instances with their select_related rows and annotations, converted as
    the ORM converts them (dates and decimals on SQLite too); count() counts the unsliced query."""
    from datetime import date
    from decimal import Decimal

    from django.db.models import DateField, DecimalField, Value

    from enrollment.models import ParticipantProfile

    for person in people[:3]:
        ParticipantProfile.objects.create(
            user=person, legal_name=f"Legal {person.pk}", currently_practicing=True
        )

    def profiles(_none: None, offset: int) -> Any:
        return (
            ParticipantProfile.objects.select_related("user")
            .annotate(
                fee=Value(Decimal("12.50"), output_field=DecimalField(max_digits=8, decimal_places=2)),
                day=Value(date(2026, 3, 1), output_field=DateField()),
            )
            .order_by("user__email")[offset : offset + 2]
        )

    query = CompiledOnce(profiles)
    got = query.instances(None, 1)
    expected = list(profiles(None, 1))
    assert [(p.pk, p.legal_name, p.user.email, p.fee, p.day) for p in got] == [
        (p.pk, p.legal_name, p.user.email, p.fee, p.day) for p in expected
    ]
    assert isinstance(got[0].fee, Decimal) and isinstance(got[0].day, date)
    counting = CompiledOnce(lambda _none: ParticipantProfile.objects.filter(legal_name__startswith="Legal"))
    assert counting.count(None) == 3
