"""Runs of the engine: idempotent, a dry run changes nothing, reminders once, safe with two workers,
and executed by a real Celery worker through the configured broker."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections

from accounts.models import AuditEntry
from enrollment.models import Enrollment
from maintenance import rules
from maintenance.models import RuleRun, SentReminder
from tests.support import make_user

from .factories import enrollment

AS_OF = date(2027, 3, 1)


@pytest.fixture(autouse=True)
def _requirements_met(monkeypatch: Any) -> None:
    from enrollment import hooks

    monkeypatch.setattr(hooks, "COMPLETION_CHECKS", [])


def _seed(cast: Any) -> tuple[Enrollment, Enrollment]:
    # A Maintenance year ending today (one change) and a Phase I term 30 days away (one reminder).
    ending = enrollment(cast.participant, "maintenance", date(2026, 3, 1), "active")
    reminded = enrollment(
        cast.other_participant, "phase1", date(2026, 3, 31), "active", term_end=AS_OF + timedelta(days=30)
    )
    return ending, reminded


def test_it_is_idempotent_two_runs_one_change_one_email(
    cast: Any, eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ending, _ = _seed(cast)
    with django_capture_on_commit_callbacks(execute=True):
        first = rules.apply(AS_OF)
    with django_capture_on_commit_callbacks(execute=True):
        second = rules.apply(AS_OF)

    assert [d.rule for d in first.decisions] == ["maintenance_year_ended"]
    assert first.reminders == 1
    assert second.decisions == [] and second.reminders == 0
    assert AuditEntry.objects.filter(action="enrollment.status_changed").count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [cast.other_participant.email]
    assert "term ends soon" in message.subject
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    assert "30 March 2027" in message.body  # the last day of the term
    reminder = SentReminder.objects.get()
    assert reminder.sent_at is not None and reminder.days_before == 30 and reminder.subject == message.subject
    ending.refresh_from_db()
    assert ending.status == "renewal_due"


def test_each_reminder_window_sends_once_and_a_missed_window_is_skipped(
    cast: Any, eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    enrollment(cast.participant, "phase1", date(2026, 6, 1), "active", term_end=date(2027, 6, 1))
    days = [date(2027, 4, 2), date(2027, 4, 3), date(2027, 5, 2), date(2027, 5, 20), date(2027, 5, 25)]
    for day in days:
        with django_capture_on_commit_callbacks(execute=True):
            rules.apply(day)
    assert sorted(SentReminder.objects.values_list("days_before", flat=True)) == [7, 30, 60]
    assert len(mail.outbox) == 3


def test_the_dry_run_changes_nothing_and_sends_nothing(
    cast: Any, eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ending, reminded = _seed(cast)
    chained = enrollment(cast.trainer, "phase1", date(2025, 1, 15), "active")  # two moves in one run
    before = (AuditEntry.objects.count(), RuleRun.objects.count(), SentReminder.objects.count())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        summary = rules.apply(AS_OF, dry_run=True)
    assert summary.dry_run and summary.reminders == 1
    assert sorted(d.rule for d in summary.decisions) == [
        "free_extension_ended",
        "maintenance_year_ended",
        "term_ended_free_extension",
    ]
    assert callbacks == [] and mail.outbox == []
    assert (AuditEntry.objects.count(), RuleRun.objects.count(), SentReminder.objects.count()) == before
    for e in (ending, reminded, chained):
        assert Enrollment.objects.get(pk=e.pk).status == "active"


def test_the_command_prints_each_change_and_a_summary(cast: Any) -> None:
    _seed(cast)
    out = StringIO()
    call_command("enforce_rules", "--as-of", "2027-03-01", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "would change: #" in text and "active → renewal_due [maintenance_year_ended" in text
    assert (
        "Dry run as of 2027-03-01: 1 change(s), 1 maintenance_year_ended; 1 reminder(s) would be queued"
        in text
    )
    assert Enrollment.objects.filter(status="renewal_due").count() == 0
    out = StringIO()
    call_command("enforce_rules", "--as-of", "2027-03-01", stdout=out)
    assert "changed: #" in out.getvalue() and "Applied as of 2027-03-01: 1 change(s)" in out.getvalue()
    assert Enrollment.objects.filter(status="renewal_due").count() == 1


def test_the_statement_count_does_not_grow_with_enrollments(
    cast: Any, django_assert_max_num_queries: Any
) -> None:
    def seed(n: int, offset: int) -> None:
        for i in range(n):
            user = make_user(f"p{offset + i}@example.org", ["participant"])
            enrollment(user, "phase1", date(2026, 1, 1), "active")
            enrollment(user, "maintenance", date(2026, 1, 1), "active", term_end=date(2027, 1, 10))

    from django.contrib.contenttypes.models import ContentType
    from django.test.utils import CaptureQueriesContext

    ContentType.objects.get_for_model(Enrollment)  # cached per process, as in a worker that has run before
    seed(2, 0)
    with CaptureQueriesContext(connection) as small:
        rules.apply(date(2027, 1, 1))
    seed(30, 100)
    with CaptureQueriesContext(connection) as large:
        rules.apply(date(2027, 1, 2))
    # SQLite splits id lists into chunks of 500; 30 rows fit in one, so the counts must match.
    assert len(large) == len(small)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_change_each_row_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SELECT ... FOR UPDATE does nothing on SQLite: run with DATABASE_URL=postgres://…")
    from enrollment import hooks

    saved = list(hooks.COMPLETION_CHECKS)
    hooks.COMPLETION_CHECKS.clear()
    try:
        people = [make_user(f"c{i}@example.org", ["participant"]) for i in range(60)]
        for i, person in enumerate(people):
            enrollment(person, "phase1", date(2025, 1, 1), "active")  # two moves each (chain)
            enrollment(
                person, "maintenance", date(2026, 1, 1), "active", term_end=AS_OF + timedelta(days=i % 7)
            )
        barrier = threading.Barrier(2)
        results: list[Any] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                barrier.wait(timeout=10)
                results.append(rules.apply(AS_OF + timedelta(days=7)))
            except BaseException as exc:  # report it in the main thread
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors, errors
        total = sum(len(r.decisions) for r in results)
        assert total == 60 * 2 + 60  # each row's moves happened exactly once across both runs
        per_row = AuditEntry.objects.filter(action="enrollment.status_changed").values_list(
            "target_id", "changes"
        )
        seen = [(target, changes["rule"]) for target, changes in per_row]
        assert len(seen) == len(set(seen)) == 180
        assert sum(r.reminders for r in results) == SentReminder.objects.count()
    finally:
        hooks.COMPLETION_CHECKS[:] = saved


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_that_waits_on_another_moves_nothing_twice(monkeypatch: Any) -> None:
    """The interleaving the one-statement step relies on, forced: run A moves the rows and holds its
    transaction open; run B starts, its UPDATE waits on A's row locks, and once A commits PostgreSQL
    re-checks `status = old` on the committed rows: B moves, audits and reports none of them."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks: run with DATABASE_URL=postgres://…")
    import time as time_module

    from enrollment import hooks
    from maintenance.rules import engine

    monkeypatch.setattr(hooks, "COMPLETION_CHECKS", [])
    real_claim = engine._claim_year_end_checks
    a_moved = threading.Event()

    def claim_then_hold(as_of: Any, run: Any) -> int:
        result = real_claim(as_of, run)
        if threading.current_thread().name == "run-a":
            a_moved.set()
            time_module.sleep(0.7)  # B's UPDATE is now waiting on these rows
        return result

    monkeypatch.setattr(engine, "_claim_year_end_checks", claim_then_hold)
    people = [make_user(f"r{i}@example.org", ["participant"]) for i in range(5)]
    for person in people:
        enrollment(person, "maintenance", date(2026, 1, 1), "active", term_end=AS_OF)
    results: dict[str, Any] = {}
    errors: list[BaseException] = []
    waited: list[float] = []

    def run(name: str) -> None:
        try:
            if name == "run-b":
                assert a_moved.wait(timeout=10)
            started = time_module.monotonic()
            results[name] = rules.apply(AS_OF)
            if name == "run-b":
                waited.append(time_module.monotonic() - started)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in ("run-a", "run-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(results["run-a"].decisions) == 5
    assert results["run-b"].decisions == []
    assert waited and waited[0] > 0.3  # B really waited for A's commit rather than running after it
    assert AuditEntry.objects.filter(action="enrollment.status_changed").count() == 5


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_job_runs_on_a_real_worker(settings: Any) -> None:
    from celery.contrib.testing.worker import start_worker

    from enrollment import hooks
    from nmt_cert.celery import app

    saved = list(hooks.COMPLETION_CHECKS)
    hooks.COMPLETION_CHECKS.clear()
    try:
        person = make_user("worker@example.org", ["participant"])
        year = enrollment(person, "maintenance", date(2026, 3, 1), "active")
        enrollment(
            make_user("w2@example.org", ["participant"]),
            "phase1",
            date(2026, 4, 1),
            "active",
            term_end=AS_OF + timedelta(days=5),
        )
        entry = app.conf.beat_schedule["maintenance-enforce-rules"]
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = app.send_task(entry["task"], kwargs={"as_of": AS_OF.isoformat()})
            summary = result.get(timeout=60)
            for _ in range(100):  # the reminder e-mail is a second task, queued after commit
                if SentReminder.objects.filter(sent_at__isnull=False).exists():
                    break
                threading.Event().wait(0.1)
        assert summary["changes"] == 1 and summary["reminders"] == 1
        year.refresh_from_db()
        assert year.status == "renewal_due"
        assert SentReminder.objects.get().sent_at is not None
        assert RuleRun.objects.get().triggered_by == "beat"
    finally:
        hooks.COMPLETION_CHECKS[:] = saved


def test_enrollments_the_job_ends_reach_the_status_changed_hooks(
    cast: Any, eager_celery: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from enrollment import hooks

    seen: list[tuple[int, str, str]] = []
    monkeypatch.setattr(hooks, "STATUS_CHANGED", [lambda e, old, new, actor: seen.append((e.pk, old, new))])
    recert = enrollment(cast.participant, "recertification", date(2026, 5, 1), "active")
    enrollment(cast.other_participant, "phase1", date(2026, 1, 15), "active")  # stays open: no hook
    with django_capture_on_commit_callbacks(execute=True):
        rules.apply(date(2027, 5, 1))
    assert seen == [(recert.pk, "active", "lapsed")]


def test_fidelity_and_free_extension_reminders(
    cast: Any, eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from metrics_tokens.models import FidelityAssignment, FidelityExercise

    year = enrollment(cast.participant, "maintenance", date(2026, 9, 1), "active")
    exercise = FidelityExercise(
        year=2027,
        title="Fidelity Exercise 2027",
        qa_session_at=timezone.now(),
        qa_session_link="https://example.org/qa",
        deadline=date(2027, 3, 31),  # its last day
        created_by=cast.staff,
    )
    exercise.case_abstract.save("case.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    exercise.save()
    FidelityAssignment.objects.create(exercise=exercise, participant=cast.participant, enrollment=year)
    enrollment(
        cast.other_participant,
        "phase1",
        date(2025, 10, 1),
        "free_extension",
        extension_end=date(2027, 4, 1),
        free_extension_months=6,
    )
    with django_capture_on_commit_callbacks(execute=True):
        summary = rules.apply(date(2027, 3, 25))
    sent = {(r.kind, r.deadline, r.days_before) for r in SentReminder.objects.all()}
    assert sent == {
        ("fidelity_deadline", date(2027, 4, 1), 7),
        ("free_extension_end", date(2027, 4, 1), 7),
    }
    assert summary.reminders == 2 and len(mail.outbox) == 2
    fidelity = next(m for m in mail.outbox if m.to == [cast.participant.email])
    assert "Fidelity Exercise report is due by 31 March 2027" in fidelity.body


def test_a_later_run_sends_what_an_earlier_one_could_not_hand_over(
    cast: Any, eager_celery: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The broker was away when a run finished: its reminders stay unsent and its year-end checks
    unevaluated, the run's changes stand. The next run, with nothing new of its own, queues them: the
    reminder still ahead of its deadline is sent once, the one whose deadline passed is not."""
    from maintenance.models import YearEndCheck
    from maintenance.tasks import dispatch_run

    ending, _ = _seed(cast)
    late = enrollment(cast.trainer, "phase1", date(2026, 3, 3), "active", term_end=AS_OF + timedelta(days=7))
    broker_down = RuntimeError("broker away")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise broker_down

    original = dispatch_run.delay
    dispatch_run.delay = refuse  # type: ignore[method-assign]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = rules.apply(AS_OF)
    finally:
        dispatch_run.delay = original  # type: ignore[method-assign]
    assert first.reminders == 2 and first.year_end_checks == 1
    assert mail.outbox == [] and SentReminder.objects.filter(sent_at__isnull=True).count() == 2
    assert YearEndCheck.objects.get().evaluated_at is None
    ending.refresh_from_db()
    assert ending.status == "renewal_due"  # the run's own changes stand

    with django_capture_on_commit_callbacks(execute=True):
        second = rules.apply(AS_OF + timedelta(days=8))  # the 7-day reminder's deadline has passed
    assert second.reminders == 0
    assert [m.to for m in mail.outbox] == [[cast.other_participant.email]]
    assert SentReminder.objects.get(enrollment=late).sent_at is None
    assert YearEndCheck.objects.get().evaluated_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        rules.apply(AS_OF + timedelta(days=9))
    assert len(mail.outbox) == 1  # nothing is sent twice
