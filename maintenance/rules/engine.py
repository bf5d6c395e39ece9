"""evaluate(as_of) says what is due; apply(as_of) does it. The daily Celery task, `manage.py
enforce_rules` and the staff page "What happens next" all call these.

Safety of `apply`:
- Idempotent: every move is a conditional UPDATE (WHERE status = old and the rule's date has come), a
  marker or year-end check is a row with a unique constraint, a reminder is a unique SentReminder row;
  a second run the same day finds nothing left to do and sends nothing.
- Two workers or two beat schedulers at once (PostgreSQL): each status rule is one statement, the
  conditional UPDATE with its audit entries in a data-modifying CTE. A concurrent run's UPDATE waits on
  the rows this one moved; once this one commits, PostgreSQL re-checks `status = old` on the committed
  rows and skips those already moved, so a row is never moved, nor audited, twice. Markers, checks
  and reminders are claimed by inserting rows that carry this run's id with ON CONFLICT DO NOTHING:
  the run acts only on the rows it inserted. On SQLite the run's first statement is a write, which
  serialises runs (other servers: the candidate rows are locked with SELECT ... FOR UPDATE first).
- Set-based: a fixed number of statements per (rule, policy version), whatever the number of
  enrollments. The one per-enrollment piece, the requirements check of Maintenance years that ended
  (other apps' completion checks answer one enrollment at a time), is claimed set-based here and run
  by follow-up tasks, a batch each (`year_end_checks_evaluate`), which only flag for staff.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, DateField, DateTimeField, F, TextField, Value
from django.db.models.sql.subqueries import UpdateQuery
from django.utils import timezone

from accounts.sql import IdIn
from enrollment.models import OPEN_STATUSES, Enrollment, EnrollmentStatus, Phase
from enrollment.services import completion_problems

from ..models import RecertificationRequirement, RuleRun, YearEndCheck
from . import definitions as d
from .bulk import (
    audit_insert_sql,
    email_lookup,
    enrollment_column,
    id_chunks,
    insert_audit_entries,
    insert_from_select,
    insert_from_select_sql,
)

log = logging.getLogger(__name__)
S = EnrollmentStatus


class Decision(NamedTuple):
    """One change the engine makes or would make. A named tuple: a catch-up run builds tens of
    thousands of them, and a tuple is made several times faster than a frozen dataclass."""

    rule: str
    enrollment_id: int
    participant_id: int
    participant: str
    phase: str
    old_status: str
    new_status: str  # empty when the rule flags or marks instead of moving status
    flag: str  # "flag_for_review", "recertification_required" or ""
    due_on: date
    reason: str

    @property
    def phase_label(self) -> str:
        return Phase(self.phase).label

    @property
    def old_label(self) -> str:
        return S(self.old_status).label if self.old_status else ""

    @property
    def new_label(self) -> str:
        return S(self.new_status).label if self.new_status else ""

    def line(self) -> str:
        change = (
            f"{self.old_status} → {self.new_status}"
            if self.new_status
            else f"{self.old_status}: {self.flag.replace('_', ' ')}"
        )
        return (
            f"#{self.enrollment_id} {self.participant} {self.phase_label}: {change} "
            f"[{self.rule}, due {self.due_on.isoformat()}]"
        )

    def as_dict(self) -> dict[str, Any]:
        data = self._asdict()
        data["due_on"] = self.due_on.isoformat()
        return data


@dataclass
class Summary:
    as_of: date
    dry_run: bool
    decisions: list[Decision] = field(default_factory=list)
    reminders: int = 0
    year_end_checks: int = 0  # Maintenance years whose requirements check was queued
    tokens_expired: int | None = None  # None: the metrics app offers no expiry hook yet
    run_id: int | None = None

    @property
    def by_rule(self) -> dict[str, int]:
        return dict(Counter(x.rule for x in self.decisions))

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "changes": len(self.decisions),
            "by_rule": self.by_rule,
            "reminders": self.reminders,
            "year_end_checks": self.year_end_checks,
            "tokens_expired": self.tokens_expired,
        }


_FIELDS = ("pk", "participant_id", "participant__email", "phase", "due_on")


def _decision(info: d.RuleInfo, row: tuple[Any, ...], flag: str = "", reason: str = "") -> Decision:
    pk, participant_id, email, phase, due_on = row
    return Decision(
        rule=info.name,
        enrollment_id=pk,
        participant_id=participant_id,
        participant=email,
        phase=phase,
        old_status=info.old or (S.COMPLETED if info.name == "maintenance_not_started" else S.RENEWAL_DUE),
        new_status=info.new,
        flag=flag,
        due_on=due_on,
        reason=reason or info.description,
    )


def evaluate(as_of: date) -> list[Decision]:
    """What is due on `as_of`, per enrollment, changing nothing. Each enrollment's next move only (a
    dry run of `apply` also shows the moves that follow one another on the same day)."""
    decisions: list[Decision] = []
    policy_list = d.policies()
    for step in d.status_steps(policy_list):
        for row in step.candidates(as_of).values_list(*_FIELDS):
            decisions.append(_decision(step.info, row))
    info = d.RULES_BY_NAME["maintenance_not_started"]
    for policy in policy_list:
        for row in d.maintenance_not_started_candidates(policy, as_of).values_list(*_FIELDS):
            decisions.append(_decision(info, row, flag="recertification_required"))
    info = d.RULES_BY_NAME["maintenance_requirements_unmet"]
    # The requirements check asks other apps one enrollment at a time: the preview checks a bounded
    # number of ended years (a normal day has a handful) and says so for the rest.
    candidates = (
        d.year_end_candidates(as_of).select_related("participant", "policy").order_by("term_end", "pk")
    )
    for n, enrollment in enumerate(candidates):
        row = (enrollment.pk, enrollment.participant_id, enrollment.participant.email, enrollment.phase)
        if n >= PREVIEW_CHECK_LIMIT:
            reason = "The year's requirements will be checked by the run (not evaluated in this preview)."
            decisions.append(_decision(info, (*row, enrollment.term_end), "requirements_check", reason))
            continue
        problems = completion_problems(enrollment, as_of)
        if problems:
            decisions.append(
                _decision(info, (*row, enrollment.term_end), "flag_for_review", _unmet_reason(problems))
            )
    return decisions


PREVIEW_CHECK_LIMIT = 200


def _unmet_reason(problems: list[str]) -> str:
    return "Maintenance year requirements not met: " + "; ".join(problems)


def _apply_step(step: d.Step, as_of: date) -> list[Decision]:
    if connection.vendor == "postgresql":
        return _apply_step_one_statement(step, as_of)
    return _apply_step_locked(step, as_of)


# The moved rows (with each participant's e-mail, looked up once) feed the audit entries and the result.
STEP_STATEMENT = (
    "WITH moved AS ({update} RETURNING {table}.id, {table}.participant_id, {table}.phase, {table}.status"
    "{fields}, {due} AS due_on), "
    "e AS (SELECT moved.*, {email} AS email FROM moved), "
    "audit AS ({audit}) "
    "SELECT e.id, e.participant_id, e.email, e.phase, e.due_on FROM e ORDER BY e.id"
)


def _apply_step_one_statement(step: d.Step, as_of: date) -> list[Decision]:
    """PostgreSQL: the conditional UPDATE, its audit entries and the rows it moved, in one statement
    (a data-modifying CTE). A concurrent run blocks on the rows this one updates; when it may go on,
    PostgreSQL re-checks `status = old` against the committed row and skips the rows already moved, so
    only the rows this statement really moved are returned and audited (see the module docstring)."""
    info = step.info
    # The step's conditions in the UPDATE's own WHERE (one scan), not `pk IN (candidates)` (two).
    queryset = step.candidates(as_of, annotate=False)
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values({"status": info.new, "updated_at": timezone.now(), **step.updates})
    compiler = query.get_compiler(queryset.db)
    update_sql, update_params = compiler.as_sql()
    due_sql, due_params = compiler.compile(step.due.resolve_expression(query))  # type: ignore[attr-defined]
    audit_sql, audit_params = audit_insert_sql(
        action="enrollment.status_changed",
        reason=info.description,
        changes={"status": [info.old, info.new], "rule": info.name, "as_of": as_of.isoformat()},
        fields=list(step.updates),
        source="e",
        email="e.email",
    )
    table = connection.ops.quote_name(Enrollment._meta.db_table)
    sql = STEP_STATEMENT.format(
        update=update_sql,
        table=table,
        fields="".join(f", {table}.{enrollment_column(name)}" for name in step.updates),
        due=due_sql,
        email=email_lookup("moved"),
        audit=audit_sql,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*update_params, *due_params, *audit_params])
        rows = cursor.fetchall()
    return [_decision(info, tuple(r)) for r in rows]


def _apply_step_locked(step: d.Step, as_of: date) -> list[Decision]:
    """Other databases: read the rows to move, move them, audit them (SQLite serialises whole runs, so
    nothing can come between; SELECT ... FOR UPDATE keeps the same guarantee on other servers)."""
    info = step.info
    rows = list(step.candidates(as_of).select_for_update(of=("self",)).order_by("pk").values_list(*_FIELDS))
    if not rows:
        return []
    ids = [r[0] for r in rows]
    moved = 0
    for chunk in id_chunks(ids):
        moved += Enrollment.objects.filter(IdIn(F("pk"), chunk), status=info.old).update(
            status=info.new, updated_at=timezone.now(), **step.updates
        )
    if moved != len(ids):  # cannot happen with the row locks; say so loudly if it ever does
        raise RuntimeError(f"{info.name}: locked {len(ids)} rows but moved {moved}.")
    insert_audit_entries(
        ids=ids,
        action="enrollment.status_changed",
        reason=info.description,
        changes={"status": [info.old, info.new], "rule": info.name, "as_of": as_of.isoformat()},
        fields=list(step.updates),
    )
    return [_decision(info, r) for r in rows]


# The inserted rows (each source enrollment's phase and participant's e-mail looked up by index probes,
# not a join: the planner cannot estimate a CTE's rows) feed the audit entries and the result. Every
# source enrollment is completed (the candidates' condition).
MARKER_STATEMENT = (
    "WITH ins AS ({insert} RETURNING source_enrollment_id, participant_id, required_on), "
    "e AS (SELECT ins.source_enrollment_id AS id, ins.participant_id, "
    "(SELECT en.phase FROM {enrollment} en WHERE en.id = ins.source_enrollment_id) AS phase, "
    "CAST(%s AS VARCHAR) AS status, ins.required_on AS due_on, {email} AS email FROM ins), "
    "audit AS ({audit}) "
    "SELECT e.id, e.participant_id, e.email, e.phase, e.due_on FROM e ORDER BY e.id"
)


def _apply_recertification_markers(policy_list: list[Any], as_of: date, run: RuleRun) -> list[Decision]:
    """Record "Re-Certification required" for graduates who never started Maintenance, once each (a
    unique row per source enrollment) with an audit entry. A concurrent run may have inserted some
    first: only the rows this run inserted are audited and reported. PostgreSQL: the insert, its
    audit entries and the rows inserted in one statement per policy version."""
    info = d.RULES_BY_NAME["maintenance_not_started"]
    now = timezone.now()
    audit: dict[str, Any] = {
        "action": "maintenance.recertification_required",
        "reason": info.description,
        "changes": {"rule": info.name, "as_of": as_of.isoformat()},
    }
    inserts = [
        insert_from_select_sql(
            RecertificationRequirement,
            ["participant", "source_enrollment", "rule", "reason", "required_on", "run", "created_at"],
            d.maintenance_not_started_candidates(policy, as_of)
            .annotate(
                _rule=Value(info.name, CharField()),
                _reason=Value(info.description, TextField()),
                _run=Value(run.pk, BigIntegerField()),
                _at=Value(now, DateTimeField()),
            )
            .values_list("participant_id", "pk", "_rule", "_reason", "due_on", "_run", "_at")
            .order_by("pk"),  # every candidate read before the first insert (insert_from_select_sql)
        )
        for policy in policy_list
    ]
    if connection.vendor == "postgresql":
        audit_sql, audit_params = audit_insert_sql(**audit, source="e", email="e.email")
        decisions: list[Decision] = []
        with connection.cursor() as cursor:
            for insert_sql, insert_params in inserts:
                sql = MARKER_STATEMENT.format(
                    insert=insert_sql,
                    email=email_lookup("ins"),
                    enrollment=Enrollment._meta.db_table,
                    audit=audit_sql,
                )
                cursor.execute(sql, [*insert_params, str(S.COMPLETED), *audit_params])
                decisions += [
                    _decision(info, tuple(r), flag="recertification_required") for r in cursor.fetchall()
                ]
        return decisions
    # Other databases: insert, then read back the rows that carry this run's id.
    with connection.cursor() as cursor:
        for insert_sql, insert_params in inserts:
            cursor.execute(insert_sql, insert_params)
    rows = list(
        RecertificationRequirement.objects.filter(run=run)
        .order_by("source_enrollment_id")
        .values_list(
            "source_enrollment_id",
            "participant_id",
            "participant__email",
            "source_enrollment__phase",
            "required_on",
        )
    )
    insert_audit_entries(ids=[r[0] for r in rows], **audit)
    return [_decision(info, r, flag="recertification_required") for r in rows]


def _claim_year_end_checks(as_of: date, run: RuleRun) -> int:
    """Claim the Maintenance years that ended (one row each, unique), and queue their requirements check
    after commit. The check asks other apps' per-enrollment completion checks, so it runs in follow-up
    tasks (a batch each) rather than inside the set-based run."""
    return insert_from_select(
        YearEndCheck,
        ["enrollment", "checked_on", "run"],
        d.year_end_candidates(as_of)
        .annotate(_on=Value(as_of, DateField()), _run=Value(run.pk, BigIntegerField()))
        .values_list("pk", "_on", "_run")
        .order_by("pk"),  # every candidate read before the first insert (insert_from_select_sql)
        literals={"problems": "'[]'", "decision": "''"},
    )


def run_status_hooks(changes: list[list[Any]]) -> int:
    """Call enrollment's STATUS_CHANGED hooks for moves the engine made in bulk ([id, old, new] each)."""
    from enrollment import hooks

    if not hooks.STATUS_CHANGED or not changes:
        return 0
    moves = {int(pk): (old, new) for pk, old, new in changes}
    for enrollment in Enrollment.objects.filter(pk__in=list(moves)).select_related("participant", "policy"):
        old, new = moves[enrollment.pk]
        with transaction.atomic():
            for hook in hooks.STATUS_CHANGED:
                hook(enrollment, old, new, None)
    return len(moves)


def run_claim(run_id: int) -> str:
    return f"run-{run_id}"


@transaction.atomic
def year_end_checks_evaluate(check_ids: list[int]) -> list[Decision]:
    """Check each claimed Maintenance year's requirements once; flag the unmet ones for a staff decision
    (never an automatic status change). Safe to run twice or on two workers: rows are locked, skipped
    when another worker holds them, and marked evaluated."""
    info = d.RULES_BY_NAME["maintenance_requirements_unmet"]
    checks = list(
        YearEndCheck.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=check_ids, evaluated_at__isnull=True)
        .select_related("enrollment__participant", "enrollment__policy")
    )
    if not checks:
        return []
    now = timezone.now()
    decisions: list[Decision] = []
    flagged: list[Enrollment] = []
    for check in checks:
        enrollment = check.enrollment
        check.problems = completion_problems(enrollment, check.checked_on)
        check.evaluated_at = now
        if check.problems:
            enrollment.flagged_for_review = True
            enrollment.flag_reason = _unmet_reason(check.problems)
            flagged.append(enrollment)
            row = (enrollment.pk, enrollment.participant_id, enrollment.participant.email, enrollment.phase)
            decisions.append(
                _decision(info, (*row, enrollment.term_end), "flag_for_review", enrollment.flag_reason)
            )
    YearEndCheck.objects.bulk_update(checks, ["problems", "evaluated_at"], batch_size=500)
    Enrollment.objects.bulk_update(flagged, ["flagged_for_review", "flag_reason"], batch_size=500)
    insert_audit_entries(
        ids=[e.pk for e in flagged],
        action="enrollment.flagged",
        reason=info.description,
        changes={"flag": "flagged_for_review", "rule": info.name},
    )
    return decisions


def _expire_tokens(as_of: date) -> int | None:
    """Integration point with metrics_tokens: tokens of Maintenance years that ended expire (the policy's
    `tokens_expire_at_year_end`). The metrics app owns the ledger; we only ask it to do its daily part."""
    try:
        from metrics_tokens import services as token_services
    except ImportError:
        return None
    expire = getattr(token_services, "tokens_expire_due", None)
    if expire is None:
        return None
    result = expire(as_of=as_of)
    return int(result) if isinstance(result, int) else None


def apply(as_of: date, dry_run: bool = False, triggered_by: str = "") -> Summary:
    """Apply every rule due on `as_of`. With `dry_run`, the same work is done inside a transaction that
    is then rolled back: the summary is exact (moves that follow one another included) and nothing
    changes, nothing is sent."""
    from ..reminders import claim_due_reminders

    summary = Summary(as_of=as_of, dry_run=dry_run)
    with transaction.atomic():
        # First statement a write: on SQLite this takes the write lock, so two runs do not interleave.
        run = RuleRun.objects.create(as_of=as_of, dry_run=dry_run, triggered_by=triggered_by[:200])
        summary.run_id = run.pk
        policy_list = d.policies()
        for step in d.status_steps(policy_list):
            summary.decisions += _apply_step(step, as_of)
        summary.decisions += _apply_recertification_markers(policy_list, as_of, run)
        summary.year_end_checks = _claim_year_end_checks(as_of, run)
        if not dry_run:
            summary.tokens_expired = _expire_tokens(as_of)
        last_run = (
            RuleRun.objects.filter(dry_run=False, finished_at__isnull=False, as_of__lte=as_of)
            .order_by("-as_of")
            .values_list("as_of", flat=True)
            .first()
        )
        summary.reminders = claim_due_reminders(as_of, policy_list, claim=run_claim(run.pk), since=last_run)
        # Enrollments that left the open statuses (lapsed): other apps react to that through
        # enrollment's STATUS_CHANGED hooks (e.g. study-group places end), run per row by a task.
        ended = [
            [x.enrollment_id, x.old_status, x.new_status]
            for x in summary.decisions
            if x.new_status and x.new_status not in OPEN_STATUSES
        ]
        if not dry_run:
            # One message after commit, every run: the worker fans out, in batches, the reminders and
            # year-end checks still to do, this run's and any an earlier run could not hand over (see
            # tasks.dispatch_run). Robust: with the broker away the run's changes stand and the next
            # run's message picks up what this one leaves.
            from ..tasks import dispatch_run

            run_id = run.pk
            transaction.on_commit(lambda: dispatch_run.delay(run_id, ended), robust=True)
        run.finished_at = timezone.now()
        run.changes = len(summary.decisions)
        run.reminders = summary.reminders
        run.summary = summary.as_dict()
        run.save(update_fields=["finished_at", "changes", "reminders", "summary"])
        if dry_run:
            transaction.set_rollback(True)
    log.info("rules applied", extra={"summary": summary.as_dict()})
    return summary
