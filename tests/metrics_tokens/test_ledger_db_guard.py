"""The database itself refuses UPDATE and DELETE on token ledger rows (triggers from migration 0002).
These run on whichever database the suite uses: SQLite locally, PostgreSQL in CI."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from metrics_tokens.models import TokenLedgerEntry

from .conftest import open_enrollment

TABLE = TokenLedgerEntry._meta.db_table


@pytest.mark.django_db
@time_machine.travel("2026-03-10 12:00Z")
@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET amount = 1000",
        f"UPDATE {TABLE} SET reason = 'rewritten' WHERE id = %(id)s",
        f"DELETE FROM {TABLE} WHERE id = %(id)s",
        f"DELETE FROM {TABLE}",
    ],
)
def test_the_database_refuses_to_change_ledger_rows(cast: Any, sql: str) -> None:
    open_enrollment(cast.participant, "maintenance", date(2026, 1, 15))
    entry = TokenLedgerEntry.objects.get()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.replace("%(id)s", str(entry.pk)))
    entry.refresh_from_db()
    assert (entry.amount, entry.reason) == (10, entry.reason)
    assert TokenLedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_the_triggers_are_installed(cast: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE]
            )
            assert [r[0] for r in cursor.fetchall()] == ["metrics_tokens_ledger_append_only"]
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            assert sorted(r[0] for r in cursor.fetchall()) == [
                "metrics_tokens_ledger_no_delete",
                "metrics_tokens_ledger_no_update",
            ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("program_policy")
@time_machine.travel("2026-03-10 12:00Z")
def test_a_full_flush_still_empties_the_database(cast: Any) -> None:
    """Test teardown (Django's flush) must still be able to wipe everything: on SQLite the guard lets
    that one operation through; on PostgreSQL flush uses TRUNCATE, which row triggers do not see."""
    open_enrollment(cast.participant, "maintenance", date(2026, 1, 15))
    assert TokenLedgerEntry.objects.count() == 1
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
    # The teardown flush after this test is the real assertion: it would error if refused.
