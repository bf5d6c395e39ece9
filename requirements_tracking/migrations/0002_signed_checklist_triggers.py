# ruff: noqa: S608  (constant table names, no input)
"""The database refuses changes to a signed checklist, its requirements and its entries.

Services refuse them first with a clear message; these triggers are the second line (the admin, a
shell, a bug). SQLite and PostgreSQL each get their own; both raise an integrity error.
"""

from django.db import migrations

C = "requirements_tracking_checklist"
R = "requirements_tracking_checklistrequirement"
E = "requirements_tracking_checklistentry"
MESSAGE = "signed checklist is immutable"

# A signed checklist may only move from "signed" to "verified" or "returned" (with its review fields).
CHECKLIST_CHANGED = """
OLD.signed_at IS NOT NULL AND (
  NEW.signed_at IS NOT OLD.signed_at OR NEW.signed_by_id IS NOT OLD.signed_by_id
  OR NEW.signed_name IS NOT OLD.signed_name OR NEW.signed_ip IS NOT OLD.signed_ip
  OR NEW.signed_user_agent IS NOT OLD.signed_user_agent OR NEW.attestation_id IS NOT OLD.attestation_id
  OR NEW.content_hash IS NOT OLD.content_hash OR NEW.enrollment_id IS NOT OLD.enrollment_id
  OR NEW.version IS NOT OLD.version OR NEW.status = 'open'
  OR (OLD.status <> 'signed' AND (NEW.status IS NOT OLD.status OR NEW.reviewed_at IS NOT OLD.reviewed_at
      OR NEW.reviewed_by_id IS NOT OLD.reviewed_by_id OR NEW.review_comment IS NOT OLD.review_comment))
)"""


def _signed_req(ref: str) -> str:
    return f"(SELECT signed_at FROM {C} WHERE id = {ref}.checklist_id) IS NOT NULL"


def _signed_entry(ref: str) -> str:
    return (
        f"(SELECT c.signed_at FROM {C} c JOIN {R} r ON r.checklist_id = c.id "
        f"WHERE r.id = {ref}.requirement_id) IS NOT NULL"
    )


SQLITE = [
    ("rt_checklist_no_update", f"BEFORE UPDATE ON {C} FOR EACH ROW WHEN {CHECKLIST_CHANGED}"),
    ("rt_checklist_no_delete", f"BEFORE DELETE ON {C} FOR EACH ROW WHEN OLD.signed_at IS NOT NULL"),
    ("rt_requirement_no_insert", f"BEFORE INSERT ON {R} FOR EACH ROW WHEN {_signed_req('NEW')}"),
    (
        "rt_requirement_no_update",
        f"BEFORE UPDATE ON {R} FOR EACH ROW WHEN {_signed_req('OLD')} OR {_signed_req('NEW')}",
    ),
    ("rt_requirement_no_delete", f"BEFORE DELETE ON {R} FOR EACH ROW WHEN {_signed_req('OLD')}"),
    ("rt_entry_no_insert", f"BEFORE INSERT ON {E} FOR EACH ROW WHEN {_signed_entry('NEW')}"),
    (
        "rt_entry_no_update",
        f"BEFORE UPDATE ON {E} FOR EACH ROW WHEN {_signed_entry('OLD')} OR {_signed_entry('NEW')}",
    ),
    ("rt_entry_no_delete", f"BEFORE DELETE ON {E} FOR EACH ROW WHEN {_signed_entry('OLD')}"),
]


def _pg(expr: str) -> str:
    return expr.replace(" IS NOT OLD.", " IS DISTINCT FROM OLD.")


PG_FUNCTIONS = {
    "rt_checklist_guard": f"""
        IF TG_OP = 'DELETE' THEN
          IF OLD.signed_at IS NOT NULL THEN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000'; END IF;
          RETURN OLD;
        END IF;
        IF {_pg(CHECKLIST_CHANGED)} THEN
          RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
        END IF;
        RETURN NEW;""",
    "rt_requirement_guard": f"""
        IF TG_OP IN ('UPDATE', 'DELETE') AND {_signed_req("OLD")} THEN
          RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND {_signed_req("NEW")} THEN
          RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;""",
    "rt_entry_guard": f"""
        IF TG_OP IN ('UPDATE', 'DELETE') AND {_signed_entry("OLD")} THEN
          RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND {_signed_entry("NEW")} THEN
          RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;""",
}
PG_TRIGGERS = [
    ("rt_checklist_guard", C, "UPDATE OR DELETE"),
    ("rt_requirement_guard", R, "INSERT OR UPDATE OR DELETE"),
    ("rt_entry_guard", E, "INSERT OR UPDATE OR DELETE"),
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name, head in SQLITE:
            schema_editor.execute(
                f"CREATE TRIGGER {name} {head} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
            )
    elif vendor == "postgresql":
        for name, body in PG_FUNCTIONS.items():
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {body} END; $$ LANGUAGE plpgsql;"
            )
        for name, table, events in PG_TRIGGERS:
            schema_editor.execute(
                f"CREATE TRIGGER {name} BEFORE {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();"
            )
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"No signed-checklist triggers for {vendor}.")


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name, _ in SQLITE:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")
    elif vendor == "postgresql":
        for name, table, _ in PG_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}();")


class Migration(migrations.Migration):
    dependencies = [("requirements_tracking", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
