"""accounts.sql: a list of ids as one condition (an array literal on PostgreSQL, an IN list elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import F

from accounts.models import User
from accounts.sql import IdIn, ids_condition
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
