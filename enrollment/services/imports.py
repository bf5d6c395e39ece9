"""Import of existing records: a dry run that explains every bad row, and an all-or-nothing commit."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.roles import Role, has_role
from accounts.services import audit_record, user_grant_role

from .. import importing
from ..models import (
    OPEN_STATUSES,
    Enrollment,
    EnrollmentStatus,
    ImportBatch,
    Organization,
    ParticipantProfile,
    PaymentMethod,
    Phase,
)
from .core import enrollment_change_status, enrollment_open
from .fees import invoice_issue, payment_record
from .transitions import FEE_KIND

S = EnrollmentStatus


def import_preview(*, text: str) -> importing.Preview:
    return importing.parse(text)


@transaction.atomic
def import_batch_create(
    *, actor: Any, text: str, filename: str = ""
) -> tuple[ImportBatch, importing.Preview]:
    """Keep the uploaded text so the commit reads exactly what the preview showed."""
    preview = importing.parse(text)
    batch = ImportBatch.objects.create(
        uploaded_by=actor,
        filename=(filename or "")[:200],
        content=text,
        row_count=len(preview.rows),
        error_count=preview.error_count,
    )
    return batch, preview


def _participant(values: dict[str, Any], actor: Any) -> Any:
    User = get_user_model()
    user = User.objects.filter(email__iexact=values["email"]).first()
    if user is None:
        user = User.objects.create_user(
            email=values["email"],
            password=None,
            first_name=values["first_name"],
            last_name=values["last_name"],
        )
        # The program vouches for the address; the person sets a password with "forgot password".
        EmailAddress.objects.create(user=user, email=values["email"], verified=True, primary=True)
    if not has_role(user, Role.PARTICIPANT):
        user_grant_role(actor=actor, user=user, role=Role.PARTICIPANT, reason="imported record")
    organization = None
    if values["organization"]:
        organization = Organization.objects.filter(name__iexact=values["organization"]).first() or (
            Organization.objects.create(name=values["organization"])
        )
    profile = ParticipantProfile.objects.filter(user=user).first()
    if profile is None:
        ParticipantProfile.objects.create(
            user=user,
            legal_name=values["legal_name"],
            organization=organization,
            prior_case_based_series=values["prior_case_based_series"],
        )
    elif organization is not None and profile.organization_id is None:
        profile.organization = organization
        profile.save(update_fields=["organization"])
    return user


def _enrollment(values: dict[str, Any], user: Any, actor: Any, previous: Enrollment | None) -> Enrollment:
    status = values["status"]
    dates = {
        "term_end": values["term_end"],
        "free_extension_months": values["free_extension_months"],
        "extension_end": values["extension_end"],
        "paid_through": values["paid_through"],
        "imported": True,
    }
    if status in OPEN_STATUSES:
        enrollment = enrollment_open(
            actor=actor,
            participant=user,
            phase=values["phase"],
            start_date=values["start_date"],
            policy=values["policy"],
            previous=previous,
            year_number=values["year_number"],
            reason="imported record",
        )
        for name, value in dates.items():
            setattr(enrollment, name, value)
        enrollment.save(update_fields=[*dates, "updated_at"])
        if status != S.ACTIVE:
            enrollment = enrollment_change_status(
                actor=actor, enrollment=enrollment, new_status=status, reason="imported record"
            )
        return enrollment
    # A finished phase from the earlier records: it is history, so no start hooks run for it.
    enrollment = Enrollment.objects.create(
        participant=user,
        phase=values["phase"],
        policy=values["policy"],
        status=status,
        start_date=values["start_date"],
        completed_on=values["completed_on"] if status == S.COMPLETED else None,
        ended_on=values["completed_on"] or values["term_end"] if status != S.COMPLETED else None,
        year_number=values["year_number"],
        previous=previous,
        **dates,
    )
    audit_record(
        actor=actor,
        action="enrollment.imported",
        target=enrollment,
        reason="imported record",
        changes={"phase": values["phase"], "status": status, "start_date": values["start_date"].isoformat()},
    )
    return enrollment


@transaction.atomic
def import_commit(*, actor: Any, text: str, batch: ImportBatch | None = None) -> importing.Preview:
    """Create every row or nothing: any bad row raises ValidationError with the preview's messages."""
    preview = importing.parse(text)
    if not preview.ok:
        problems = preview.file_errors + [
            f"line {r.line}: {'; '.join(r.errors)}" for r in preview.rows if r.errors
        ]
        raise ValidationError(
            f"Nothing was imported: {preview.error_count} problem{'s' if preview.error_count != 1 else ''}. "
            + " ".join(problems[:20])
        )
    last_by_email: dict[str, Enrollment] = {}
    phase_order = {p: i for i, p in enumerate(Phase.values)}
    ordered = sorted(
        preview.rows,
        key=lambda r: (r.values["email"], r.values["start_date"], phase_order[r.values["phase"]]),
    )
    for row in ordered:
        v = row.values
        try:
            user = _participant(v, actor)
            enrollment = _enrollment(v, user, actor, last_by_email.get(v["email"]))
            rule = v["policy"].rule(v["phase"])
            invoice = invoice_issue(
                actor=actor,
                participant=user,
                kind=FEE_KIND[v["phase"]],
                amount=rule.fee,
                description=f"{Phase(v['phase']).label} fee ({v['policy'].name} policy, imported)",
                enrollment=enrollment,
                issued_on=v["start_date"],
            )
            if v["fees_paid"] > 0:
                payment_record(
                    actor=actor,
                    invoice=invoice,
                    amount=v["fees_paid"],
                    paid_on=v["fee_paid_on"] or v["start_date"],
                    method=PaymentMethod.OTHER,
                    reference="imported record",
                )
        except (ValidationError, DomainError) as exc:
            message = exc.message if isinstance(exc, DomainError) else " ".join(exc.messages)
            raise ValidationError(f"Nothing was imported: line {row.line}: {message}") from exc
        last_by_email[v["email"]] = enrollment
    if batch is not None:
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.committed_at is not None:
            raise DomainError("This file has already been imported.", code="conflict")
        locked.committed_at = timezone.now()
        locked.save(update_fields=["committed_at"])
    audit_record(
        actor=actor,
        action="enrollment.import_committed",
        target=batch,
        changes={"rows": len(preview.rows)},
    )
    return preview


def import_batch_commit(*, actor: Any, batch: ImportBatch) -> importing.Preview:
    if batch.committed_at is not None:
        raise DomainError("This file has already been imported.", code="conflict")
    return import_commit(actor=actor, text=batch.content, batch=batch)
