"""The search's GIN indexes without a pending list (PostgreSQL only).

By default a GIN index collects new entries in an unsorted pending list (up to 4 MB) until a vacuum
merges them, and every search reads that whole list: after a batch of new participants a search took
8 ms instead of 1. Participants are added a few at a time, so updating the index at each insert costs
little. The entries already pending are merged here."""

from django.db import migrations

INDEXES = [  # the indexes of migrations 0002 and 0003
    "staff_console_user_email_trgm",
    "staff_console_user_first_trgm",
    "staff_console_user_last_trgm",
    "staff_console_profile_legal_trgm",
    "staff_console_org_name_trgm",
    "staff_console_user_words",
    "staff_console_profile_words",
]


def no_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        schema_editor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])


def pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("staff_console", "0003_word_search_indexes")]

    operations = [migrations.RunPython(no_pending_list, pending_list, elidable=False)]
