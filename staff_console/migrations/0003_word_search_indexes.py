"""Full-text indexes for the participant search by the start of words (PostgreSQL only).

Names and e-mails are reduced to their letters and digits, split into words ('simple' configuration:
no stemming, no stop words), so "tana" finds "Tanaka" and "p7@exam" finds "p7@example.org". The
expressions here and in staff_console/search.py must stay identical for the indexes to be used."""

from django.db import migrations

from staff_console.search_sql import PROFILE_WORDS, USER_WORDS

INDEXES = [
    ("staff_console_user_words", "accounts_user", USER_WORDS),
    ("staff_console_profile_words", "enrollment_participantprofile", PROFILE_WORDS),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("staff_console", "0002_search_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
