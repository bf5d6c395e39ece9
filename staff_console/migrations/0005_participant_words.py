"""The participant search's index table (staff_console.models.ParticipantWords): made by Django on every
database; on PostgreSQL completed with its word columns, indexes and triggers, and filled."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from staff_console.search_sql import drop_words_table_sql, words_table_sql

PARTICIPANT_ROLE = "participant"  # accounts.roles.Role.PARTICIPANT when this was written


def complete(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in words_table_sql(PARTICIPANT_ROLE):
        schema_editor.execute(statement)


def undo(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in drop_words_table_sql():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_lean_bulk_writes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("enrollment", "0004_invoice_settled_on"),
        ("staff_console", "0004_search_indexes_without_pending_list"),
    ]

    operations = [
        migrations.CreateModel(
            name="ParticipantWords",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("last_name", models.CharField(max_length=150)),
                ("first_name", models.CharField(max_length=150)),
                ("email", models.CharField(max_length=254)),
                ("is_participant", models.BooleanField()),
            ],
            options={"verbose_name_plural": "participant words"},
        ),
        migrations.RunPython(complete, undo, elidable=False),
    ]
