"""accounts.sql: a list of ids as one condition (an array literal on PostgreSQL, an IN list elsewhere)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Q

from accounts.models import User
from accounts.sql import CompiledOnce, IdIn, ids_condition
from tests.support import make_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


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


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_compiled_query_run_often_on_one_connection_is_prepared_and_still_answers(
    people: list[User],
) -> None:
    """The statement binds its values on the server, so after the connection's threshold of runs
    psycopg prepares it and the database stops planning it on every request; each value still gets
    its own answer, and the run is logged as any query is (the tests' query counts)."""
    from django.test.utils import CaptureQueriesContext

    def by_email(text: str) -> Any:
        return User.objects.filter(email=text, first_name="compiled-prepared").values_list("pk").order_by()

    for person in people:
        person.first_name = "compiled-prepared"
        person.save(update_fields=["first_name"])
    query = CompiledOnce(by_email)
    connection.ensure_connection()  # its threshold is set when it opens
    threshold = connection.connection.prepare_threshold
    assert threshold is not None
    before = set(_prepared())
    for _ in range(threshold + 1):
        for person in people:
            assert query.rows(person.email) == [(person.pk,)]
    assert query.rows("nobody@example.org") == []
    new = set(_prepared()) - before  # its values are parameters ($1, $2), not in its text
    assert len(new) == 1 and '"accounts_user"."email" = $' in new.pop()
    with CaptureQueriesContext(connection) as captured:
        query.rows(people[0].email)
    assert len(captured.captured_queries) == 1
    # Logged with its values, as Django logs its own queries (psycopg keeps no text of a prepared run).
    assert f"'{people[0].email}'" in captured.captured_queries[0]["sql"]
    # Django's own queries bind in the client and are never prepared.
    for _ in range(threshold + 1):
        assert User.objects.filter(email=people[1].email, first_name="own-query").count() == 0
    assert not any("own-query" in statement for statement in _prepared())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_with_no_threshold_nothing_is_prepared(people: list[User]) -> None:
    query = CompiledOnce(
        lambda text: User.objects.filter(email=text, last_name="never-prepared").values_list("pk")
    )
    connection.ensure_connection()
    kept = connection.connection.prepare_threshold
    before = set(_prepared())
    connection.connection.prepare_threshold = None  # DB_PREPARE_THRESHOLD= (empty)
    try:
        for _ in range(20):
            assert query.rows(people[0].email) == []
    finally:
        connection.connection.prepare_threshold = kept
    assert set(_prepared()) == before


def _threshold_setting(value: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env |= {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "DB_PREPARE_THRESHOLD": value}
    code = "import nmt_cert.settings as s; print(s.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_prepare_threshold_is_a_number_or_empty_and_a_bad_one_is_refused_by_name() -> None:
    assert _threshold_setting("3").stdout.strip() == "3"
    assert _threshold_setting("").stdout.strip() == "None"  # prepare nothing (a transaction-mode pooler)
    bad = _threshold_setting("five")
    assert bad.returncode != 0
    assert "DB_PREPARE_THRESHOLD must be a whole number of runs" in bad.stderr and "'five'" in bad.stderr
