"""Trigram indexes for the participant search (PostgreSQL only; SQLite searches with LIKE).

`icontains` on PostgreSQL compares UPPER(column::text) LIKE UPPER(%s), so the GIN indexes are on that
expression with gin_trgm_ops. The license number is matched exactly: a plain b-tree index."""

from django.db import migrations

INDEXES = [
    ("staff_console_user_email_trgm", "accounts_user", "email"),
    ("staff_console_user_first_trgm", "accounts_user", "first_name"),
    ("staff_console_user_last_trgm", "accounts_user", "last_name"),
    ("staff_console_profile_legal_trgm", "enrollment_participantprofile", "legal_name"),
    ("staff_console_org_name_trgm", "enrollment_organization", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS staff_console_license_number ON enrollment_license (number)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP INDEX IF EXISTS staff_console_license_number")


class Migration(migrations.Migration):
    dependencies = [
        ("staff_console", "0001_initial"),
        ("accounts", "0002_roles"),
        ("enrollment", "0003_enrollment_continuations_and_more"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
