"""Set-based writes of the rule engine: the conditional status UPDATE and the audit entries for every
row it moved, each as one statement (INSERT ... SELECT), so a run's statement count does not grow with
the number of enrollments it changes.

`enrollment_change_status` does the same for one row (lock, check the table, save, audit); the engine
cannot call it per row and stay set-based, so it keeps the same guarantees in bulk: the UPDATE is
conditional on the old status, and every moved row gets an AuditEntry with action
"enrollment.status_changed" and the rule that caused it (on PostgreSQL in the same statement, see
engine.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEntry, User
from accounts.sql import ids_condition
from enrollment.models import Enrollment, EnrollmentStatus, Phase

SQLITE_CHUNK = 500  # SQLite caps the number of parameters in one statement

# Table and column names come from model meta and fixed SQL; every value is a query parameter.
AUDIT_INSERT = (
    "INSERT INTO {audit} (at, actor_id, actor_label, action, target_type_id, target_id, target_label, "
    "subject_user_id, reason, changes, ip_address) "
    "SELECT %s, NULL, 'system', %s, %s, CAST(e.id AS VARCHAR(64)), {label}, e.participant_id, %s, {changes}, NULL "
    "FROM {enrollment} e WHERE {condition}"
)


def id_chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """PostgreSQL takes the whole list in one statement (as an array); SQLite in chunks."""
    if not ids:
        return
    if connection.vendor == "postgresql":
        yield ids
        return
    for i in range(0, len(ids), SQLITE_CHUNK):
        yield ids[i : i + SQLITE_CHUNK]


def _case(column: str, choices: Any) -> tuple[str, list[Any]]:
    whens = " ".join("WHEN %s THEN %s" for _ in choices)
    params: list[Any] = []
    for value, label in choices:
        params += [value, str(label)]
    return f"CASE {column} {whens} ELSE {column} END", params


def audit_insert_sql(
    *,
    action: str,
    reason: str,
    changes: dict[str, Any],
    fields: Sequence[str] = (),
    source: str | None = None,
    condition: str = "true",
    email: str | None = None,
) -> tuple[str, list[Any]]:
    """The INSERT ... SELECT writing one AuditEntry per enrollment row of `source` (aliased `e`: the
    enrollment table by default, or a CTE with its id, participant_id, phase, status and `fields`
    columns) that matches `condition`. Returns the SQL and its parameters, condition's excluded.
    `email` is the SQL of the participant's e-mail when `source` carries it (e.g. "e.email");
    otherwise each row looks it up.

    `changes` are constant for all rows; `fields` are enrollment columns whose new value each row's
    entry records (e.g. extension_end).
    """
    postgres = connection.vendor == "postgresql"
    build, array = ("jsonb_build_object", "jsonb_build_array") if postgres else ("json_object", "json_array")
    cast = "::text" if postgres else ""
    json_parts: list[str] = []
    json_params: list[Any] = []
    for key, value in changes.items():
        if isinstance(value, list | tuple):
            json_parts.append(f"%s, {array}({', '.join(['%s' + cast] * len(value))})")
            json_params += [key, *[str(v) for v in value]]
        else:
            json_parts.append(f"%s, %s{cast}")
            json_params += [key, str(value)]
    for name in fields:
        json_parts.append(f"%s, e.{enrollment_column(name)}")
        json_params.append(name)
    phase_sql, phase_params = _case("e.phase", Phase.choices)
    status_sql, status_params = _case("e.status", EnrollmentStatus.choices)
    email = email or email_lookup("e")
    label = f"({phase_sql}) || ' · ' || {email} || ' (' || ({status_sql}) || ')'"
    content_type = ContentType.objects.get_for_model(Enrollment)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = AUDIT_INSERT.format(
        audit=AuditEntry._meta.db_table,
        enrollment=source or Enrollment._meta.db_table,
        label=label,
        changes=f"{build}({', '.join(json_parts)})",
        condition=condition,
    )
    params = [now, action, content_type.pk, *phase_params, *status_params, reason, *json_params]
    return sql, params


def email_lookup(alias: str) -> str:
    """SQL of the e-mail of `alias`.participant_id, by a correlated lookup (an index probe per row), not
    a join: the planner cannot estimate a CTE's rows and would otherwise hash the whole user table."""
    return f"(SELECT u.email FROM {User._meta.db_table} u WHERE u.id = {alias}.participant_id)"  # noqa: S608


def enrollment_column(name: str) -> str:
    field: Any = Enrollment._meta.get_field(name)  # a concrete column
    return str(field.column)


def insert_audit_entries(
    *,
    ids: Sequence[int],
    action: str,
    reason: str,
    changes: dict[str, Any],
    fields: Sequence[str] = (),
) -> None:
    """One AuditEntry per enrollment in `ids` (actor: the system), built inside the database."""
    if not ids:
        return
    with connection.cursor() as cursor:
        for chunk in id_chunks(ids):
            condition, id_params = ids_condition("e.id", chunk, connection.vendor)
            sql, params = audit_insert_sql(
                action=action, reason=reason, changes=changes, fields=fields, condition=condition
            )
            cursor.execute(sql, [*params, *id_params])


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def insert_from_select_sql(
    model: Any, columns: Sequence[str], queryset: Any, literals: dict[str, str] | None = None
) -> tuple[str, list[Any]]:
    """INSERT INTO model (columns…) SELECT <queryset's values_list> … ON CONFLICT DO NOTHING, as SQL
    and parameters. `queryset` must select exactly `columns`, in order; `literals` are extra columns
    given as SQL literals (e.g. {"problems": "'[]'"}).

    When the queryset excludes rows already in `model` (NOT EXISTS), order it: the sort reads every
    candidate before the first row is inserted. Unordered, the anti-join runs while the insert goes
    on, and a scan of `model` (the plan for a table the statistics say is empty, as on a first run)
    reads again, for every candidate, the rows this statement has added so far."""
    literals = literals or {}
    select_sql, params = queryset.query.sql_with_params()
    meta = model._meta
    names = [meta.get_field(c).column for c in (*columns, *literals)]
    extra = "".join(f", {value}" for value in literals.values())
    sql = INSERT_SELECT.format(table=meta.db_table, columns=", ".join(names), extra=extra, select=select_sql)
    return sql, list(params)


def insert_from_select(
    model: Any, columns: Sequence[str], queryset: Any, literals: dict[str, str] | None = None
) -> int:
    """Run `insert_from_select_sql` in one statement, without building model objects in Python.
    Returns the number of rows inserted (the ones no earlier or concurrent insert had claimed)."""
    sql, params = insert_from_select_sql(model, columns, queryset, literals)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


# "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT.
INSERT_SELECT = (
    "INSERT INTO {table} ({columns}) SELECT s.*{extra} FROM ({select}) AS s WHERE true ON CONFLICT DO NOTHING"
)
