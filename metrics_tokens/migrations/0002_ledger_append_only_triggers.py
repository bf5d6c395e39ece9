"""The database itself refuses UPDATE and DELETE on token ledger rows (PostgreSQL and SQLite).

PostgreSQL: a row-level BEFORE UPDATE OR DELETE trigger raises. (A test-suite flush uses TRUNCATE,
which row triggers do not see; nothing in the product truncates.)
SQLite: BEFORE UPDATE and BEFORE DELETE triggers raise. Django's flush (test teardown, `manage.py
flush`) empties every table with DELETE; `metrics_tokens.dbguard` lets that one operation through.
"""

from django.db import migrations

TABLE = "metrics_tokens_tokenledgerentry"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION metrics_tokens_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'token ledger entries are append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS metrics_tokens_ledger_append_only ON {TABLE};
CREATE TRIGGER metrics_tokens_ledger_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION metrics_tokens_ledger_append_only();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS metrics_tokens_ledger_append_only ON {TABLE};
DROP FUNCTION IF EXISTS metrics_tokens_ledger_append_only();
"""

SQLITE_UP = [
    f"""CREATE TRIGGER IF NOT EXISTS metrics_tokens_ledger_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'token ledger entries are append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS metrics_tokens_ledger_no_delete BEFORE DELETE ON {TABLE}
        WHEN NOT nmt_ledger_flush_allowed()
        BEGIN SELECT RAISE(ABORT, 'token ledger entries are append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS metrics_tokens_ledger_no_update;",
    "DROP TRIGGER IF EXISTS metrics_tokens_ledger_no_delete;",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("metrics_tokens", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
