"""Writes for certificates: issue (one or many), revoke, reissue, and bulk print jobs.

Each service checks the current state, locks what it changes and writes an audit entry. Rendering
never happens inside these transactions: PDFs are rendered on download or by the bulk print task,
which is queued on commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from accounts.errors import DomainError, NotAllowed
from accounts.outage import publish_or_fail
from accounts.roles import is_admin
from accounts.services import audit_record
from enrollment.models import Enrollment, EnrollmentStatus

from .models import (
    BulkPrintJob,
    BulkPrintStatus,
    Certificate,
    CertificateLevel,
    CertificateNumberSequence,
)
from .selectors import bulk_print_queryset, legal_name_for

CERTIFIED_PHASES = frozenset(CertificateLevel.values)


class CertificateConflict(DomainError):
    code = "certificate_conflict"


def _require_admin(actor: Any) -> None:
    if not is_admin(actor):
        raise NotAllowed("Only admins issue, revoke, reissue and print certificates.")


def next_certificate_number(year: int) -> str:
    """NMT-2026-000123: a readable sequence per year. Must run inside a transaction."""
    # Lock the year's row so two admins issuing at once never get the same number (on PostgreSQL;
    # SQLite serializes writers anyway). get_or_create first: the row may not exist for a new year.
    CertificateNumberSequence.objects.get_or_create(year=year)
    seq = CertificateNumberSequence.objects.select_for_update().get(year=year)
    seq.last_value += 1
    seq.save(update_fields=["last_value"])
    return f"NMT-{year}-{seq.last_value:06d}"


def _check_issuable(enrollment: Enrollment) -> None:
    if enrollment.phase not in CERTIFIED_PHASES:
        raise CertificateConflict(
            f"{enrollment.get_phase_display()} does not lead to a certificate; Phase I, Phase II/TTT and "
            "Re-Certification do."
        )
    if enrollment.status != EnrollmentStatus.COMPLETED or enrollment.completed_on is None:
        raise CertificateConflict(
            "Staff have not approved the completion of this enrollment yet: it is "
            f"{enrollment.get_status_display().lower()}."
        )
    if Certificate.objects.filter(
        enrollment=enrollment, revoked_at__isnull=True, superseded_at__isnull=True
    ).exists():
        raise CertificateConflict(f"{enrollment.participant} already has a current certificate for this.")


def _create(
    *,
    actor: Any,
    enrollment: Enrollment,
    legal_name: str,
    on: date,
    reissue_reason: str = "",
) -> Certificate:
    certificate = Certificate(
        number=next_certificate_number(on.year),
        participant=enrollment.participant,
        enrollment=enrollment,
        level=enrollment.phase,
        legal_name=legal_name,
        completion_date=enrollment.completed_on,  # type: ignore[misc]
        issue_date=on,
        issuer_name=settings.CERTIFICATE_ISSUER_NAME,
        wording=enrollment.policy.certificate_wording,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        reissue_reason=reissue_reason,
    )
    certificate.full_clean(exclude=["issued_by"])
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError as exc:  # another admin issued it a moment ago
        raise CertificateConflict("A current certificate for this enrollment was just issued.") from exc
    return certificate


@transaction.atomic
def certificate_issue(*, actor: Any, enrollment: Enrollment, on: date | None = None) -> Certificate:
    """Issue the certificate for a completed Phase I, Phase II/TTT or Re-Certification enrollment."""
    _require_admin(actor)
    # Lock the enrollment: two admins issuing at once must not make two certificates (the unique
    # constraint would also refuse the second; the lock makes the refusal a clear message).
    locked = (
        Enrollment.objects.select_for_update().select_related("policy", "participant").get(pk=enrollment.pk)
    )
    _check_issuable(locked)
    on = on or timezone.localdate()
    legal_name = legal_name_for(locked.participant)
    certificate = _create(actor=actor, enrollment=locked, legal_name=legal_name, on=on)
    audit_record(
        actor=actor,
        action="certificate.issued",
        target=certificate,
        changes={
            "number": certificate.number,
            "level": certificate.level,
            "legal_name": legal_name,
            "enrollment": locked.pk,
        },
    )
    return certificate


def certificate_issue_many(
    *, actor: Any, enrollments: Iterable[Enrollment], on: date | None = None
) -> tuple[list[Certificate], list[tuple[Enrollment, str]]]:
    """Issue for each enrollment, each in its own transaction: one refusal does not undo the others.

    Returns (issued certificates, [(enrollment, reason refused)]).
    """
    _require_admin(actor)
    issued: list[Certificate] = []
    refused: list[tuple[Enrollment, str]] = []
    for enrollment in enrollments:
        try:
            issued.append(certificate_issue(actor=actor, enrollment=enrollment, on=on))
        except DomainError as exc:
            refused.append((enrollment, exc.message))
    return issued, refused


@transaction.atomic
def certificate_revoke(*, actor: Any, certificate: Certificate, reason: str) -> Certificate:
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the certificate is revoked; the reason is kept."})
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is not None:
        raise CertificateConflict(f"Certificate {locked.number} is already revoked.")
    old_status = locked.status
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.revocation_reason = reason
    locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    audit_record(
        actor=actor,
        action="certificate.revoked",
        target=locked,
        reason=reason,
        changes={"number": locked.number, "status": [old_status, "revoked"]},
    )
    return locked


@transaction.atomic
def certificate_reissue(
    *, actor: Any, certificate: Certificate, reason: str, legal_name: str = "", on: date | None = None
) -> Certificate:
    """Replace a current certificate after a correction: a new number and code, the old one superseded.

    `legal_name` defaults to the participant's legal name now (correct the profile first), and the
    completion date is the enrollment's (correct that through enrollment first).
    """
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say what was corrected; the reason is kept."})
    old = (
        Certificate.objects.select_for_update()
        .select_related("enrollment__policy", "participant")
        .get(pk=certificate.pk)
    )
    if old.revoked_at is not None:
        raise CertificateConflict(f"Certificate {old.number} is revoked; it cannot be reissued.")
    if old.superseded_at is not None:
        raise CertificateConflict(f"Certificate {old.number} was already reissued.")
    name = (legal_name or "").strip() or legal_name_for(old.participant)
    on = on or timezone.localdate()
    now = timezone.now()
    # The old one stops being current first (superseded_at), so the one-current-per-enrollment
    # constraint holds when the new one is saved; then it points at its successor.
    Certificate.objects.filter(pk=old.pk).update(superseded_at=now)
    enrollment = Enrollment.objects.select_related("policy", "participant").get(pk=old.enrollment_id)
    new = _create(actor=actor, enrollment=enrollment, legal_name=name, on=on, reissue_reason=reason)
    Certificate.objects.filter(pk=old.pk).update(superseded_by=new)
    old.superseded_at, old.superseded_by = now, new
    audit_record(
        actor=actor,
        action="certificate.reissued",
        target=old,
        reason=reason,
        changes={"number": old.number, "replaced_by": new.number, "legal_name": [old.legal_name, name]},
    )
    audit_record(
        actor=actor,
        action="certificate.issued",
        target=new,
        reason=reason,
        changes={"number": new.number, "level": new.level, "legal_name": name, "replaces": old.number},
    )
    return new


# --- Bulk printing -------------------------------------------------------------------------------

MIN_PER_SHARD = 25  # smaller jobs are not worth splitting


def bulk_print_start(*, actor: Any, filters: dict[str, Any], mark_printed: bool = True) -> BulkPrintJob:
    """Fix the certificates that match `filters` and queue the tasks that render them (after commit)."""
    _require_admin(actor)
    from .tasks import bulk_print_shard_task

    with transaction.atomic():
        ids = list(bulk_print_queryset(filters).values_list("pk", flat=True))
        if not ids:
            raise ValidationError("No current certificate matches these filters: nothing to print.")
        shards = max(1, min(int(settings.CERTIFICATE_BULK_SHARDS), -(-len(ids) // MIN_PER_SHARD)))
        job = BulkPrintJob.objects.create(
            created_by=actor,
            filters=_jsonable(filters),
            certificate_ids=ids,
            total=len(ids),
            mark_printed=mark_printed,
            shards=shards,
            shard_progress=[0] * shards,
        )
        audit_record(
            actor=actor,
            action="certificate.bulk_print_started",
            target=job,
            changes={"filters": job.filters, "total": job.total, "shards": shards},
        )
        job_id = job.pk
        transaction.on_commit(
            lambda: publish_or_fail(
                lambda: [bulk_print_shard_task.delay(job_id, i) for i in range(shards)],
                lambda error: bulk_print_fail(job, error),
            )
        )
    return job


def _jsonable(filters: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if value in (None, "", False):
            continue
        if isinstance(value, date):
            value = value.isoformat()
        elif hasattr(value, "pk"):
            value = value.pk
        out[key] = value
    return out


def shard_positions(job: BulkPrintJob, shard: int) -> range:
    """The positions (indexes into certificate_ids) one shard renders: a contiguous slice."""
    size = -(-job.total // job.shards)
    return range(shard * size, min(job.total, (shard + 1) * size))


def _retrying(write: Callable[[], Any], attempts: int = 100) -> Any:
    """Run a short write, retrying while SQLite reports the table locked.

    Only SQLite's shared-cache mode (the in-memory test database shared by a test and its worker
    thread) answers "locked" at once instead of waiting for its busy timeout; PostgreSQL never does.
    """
    for attempt in range(attempts):
        try:
            return write()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.02)
    return None


def bulk_print_begin(job_id: int) -> BulkPrintJob | None:
    """A shard's start: the job becomes running (first shard); None when it is finished already."""
    now = timezone.now()
    _retrying(
        lambda: BulkPrintJob.objects.filter(pk=job_id, status=BulkPrintStatus.QUEUED).update(
            status=BulkPrintStatus.RUNNING, started_at=now, heartbeat_at=now
        )
    )
    job = BulkPrintJob.objects.filter(pk=job_id, status=BulkPrintStatus.RUNNING).first()
    return job


def bulk_print_progress(job: BulkPrintJob, shard: int, rendered: int) -> bool:
    """Save how many certificates `shard` has rendered; True when every shard has rendered all of its.

    Shards save a count, not an increment, so a shard run twice (a redelivered task) cannot count
    twice. The row is locked so two shards' saves do not overwrite each other's counts.
    """

    def save() -> bool:
        with transaction.atomic():
            locked = BulkPrintJob.objects.select_for_update().get(pk=job.pk)
            progress = list(locked.shard_progress) or [0] * locked.shards
            progress[shard] = rendered
            locked.shard_progress = progress
            locked.done_count = min(locked.total, sum(progress))
            locked.heartbeat_at = timezone.now()
            locked.save(update_fields=["shard_progress", "done_count", "heartbeat_at"])
            job.done_count = locked.done_count
            return locked.done_count == locked.total

    return bool(_retrying(save))


def bulk_print_claim_assembly(
    job: BulkPrintJob, *, stale_after_seconds: int = 600, dead_before: datetime | None = None
) -> bool:
    """Exactly one shard assembles the files (again, if the one that began died: no heartbeat, or a
    claim made before `dead_before`, when a task delivered again after its worker died started)."""
    now = timezone.now()
    stale = now - timedelta(seconds=stale_after_seconds)
    running = BulkPrintJob.objects.filter(pk=job.pk, status=BulkPrintStatus.RUNNING)
    claimed = _retrying(
        lambda: (
            running.filter(assembly_started_at__isnull=True).update(assembly_started_at=now, heartbeat_at=now)
            or running.filter(heartbeat_at__lt=stale).update(assembly_started_at=now, heartbeat_at=now)
            or (
                dead_before is not None
                and running.filter(assembly_started_at__lt=dead_before).update(
                    assembly_started_at=now, heartbeat_at=now
                )
            )
        )
    )
    return bool(claimed)


def bulk_print_heartbeat(job: BulkPrintJob) -> None:
    _retrying(lambda: BulkPrintJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now()))


def bulk_print_finish(job: BulkPrintJob, *, combined_pdf: str, zip_file: str) -> None:
    _retrying(lambda: _finish(job, combined_pdf=combined_pdf, zip_file=zip_file))


def _finish(job: BulkPrintJob, *, combined_pdf: str, zip_file: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        updated = BulkPrintJob.objects.filter(pk=job.pk, status=BulkPrintStatus.RUNNING).update(
            status=BulkPrintStatus.DONE,
            done_count=job.total,
            finished_at=now,
            combined_pdf=combined_pdf,
            zip_file=zip_file,
            error="",
        )
        if not updated:
            return
        printed = 0
        if job.mark_printed:
            ids = job.certificate_ids
            for i in range(0, len(ids), 500):
                printed += Certificate.objects.filter(
                    pk__in=ids[i : i + 500], printed_at__isnull=True
                ).update(printed_at=now)
        audit_record(
            actor=None,
            action="certificate.bulk_printed",
            target=job,
            changes={"total": job.total, "marked_printed": printed},
        )


def bulk_print_fail(job: BulkPrintJob, error: str) -> None:
    _retrying(lambda: _fail(job, error))


def _fail(job: BulkPrintJob, error: str) -> None:
    with transaction.atomic():
        updated = BulkPrintJob.objects.filter(
            pk=job.pk, status__in=[BulkPrintStatus.QUEUED, BulkPrintStatus.RUNNING]
        ).update(status=BulkPrintStatus.FAILED, finished_at=timezone.now(), error=error[:2000])
        if updated:
            audit_record(actor=None, action="certificate.bulk_print_failed", target=job, reason=error[:500])
