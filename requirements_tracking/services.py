"""Writes for checklists, entries, signatures, reviews and the policy agreement. Every change locks the
checklist row first (so an entry cannot slip in while it is being signed), refuses anything on a
signed checklist, and writes an audit entry. Calls and attendance are in call_services."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import is_mfa_enabled
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.errors import DomainError, NotAllowed
from accounts.roles import is_staff_member
from accounts.services import audit_record
from enrollment.models import Enrollment, Phase

from .evidence import check_evidence
from .integrity import content_hash
from .models import (
    MANUAL_KINDS,
    AttestationText,
    Checklist,
    ChecklistEntry,
    ChecklistRequirement,
    ChecklistStatus,
    Kind,
    Mode,
    PolicyAgreement,
    PolicyAgreementSignature,
    RequirementTemplate,
)
from .progress import (
    compute,
    phase2_trained_participants,
    spec_from_row,
    template_applies,
    template_target,
)

S = ChecklistStatus

# status -> statuses it may move to (a returned checklist stays returned; its next version is open).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.SIGNED}),
    S.SIGNED: frozenset({S.VERIFIED, S.RETURNED}),
    S.VERIFIED: frozenset(),
    S.RETURNED: frozenset(),
}


class ChecklistSigned(DomainError):
    code = "checklist_signed"


def _refuse_if_signed(checklist: Checklist) -> None:
    if checklist.is_signed or checklist.status != S.OPEN:
        raise ChecklistSigned(
            "This checklist is signed and can no longer change. If something is wrong, staff can "
            "return it to you, which opens a new version."
        )


def _lock(checklist: Checklist) -> Checklist:
    return Checklist.objects.select_for_update().select_related("enrollment").get(pk=checklist.pk)


def today_for(user: Any) -> date:
    """Today in the user's own time zone (a participant in Sydney may record "today" before UTC does)."""
    try:
        zone = ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except Exception:
        zone = ZoneInfo("UTC")
    return timezone.now().astimezone(zone).date()


def progress_day(user: Any) -> date:
    """The day a person's progress is counted for: their own today, or the server's when that is later.
    Timestamps (a signed agreement, a self-scored exercise) count by their date on the server, so in a
    New York evening, already tomorrow in UTC, what was just recorded still counts."""
    return max(today_for(user), timezone.localdate())


# --- making checklists ----------------------------------------------------------------------------


@transaction.atomic
def checklist_create(*, enrollment: Enrollment) -> Checklist:
    """Version 1 of the enrollment's checklist, from the templates of its policy and phase."""
    trained = enrollment.participant_id in phase2_trained_participants([enrollment.participant_id])
    checklist = Checklist.objects.create(enrollment=enrollment, version=1)
    templates = RequirementTemplate.objects.filter(policy_id=enrollment.policy_id, phase=enrollment.phase)
    for t in templates.prefetch_related("items").order_by("order", "id"):
        if not template_applies(t, enrollment, trained):
            continue
        ChecklistRequirement.objects.create(
            checklist=checklist,
            template=t,
            code=t.code,
            name=t.name,
            description=t.description,
            kind=t.kind,
            target=template_target(t, enrollment.policy, trained),
            params=t.params or {},
            item_labels=[i.label for i in t.items.all()],
            order=t.order,
        )
    return checklist


def checklist_get_or_create(enrollment: Enrollment) -> Checklist:
    """The newest version of the enrollment's checklist, made on first use (enrollments imported or
    created before this app existed have none yet)."""
    existing = Checklist.objects.filter(enrollment=enrollment).order_by("-version").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return checklist_create(enrollment=enrollment)
    except IntegrityError:  # two first views at once: the other one made it
        return Checklist.objects.filter(enrollment=enrollment).order_by("-version").first()  # type: ignore[return-value]


def on_enrollment_started(enrollment: Enrollment) -> None:
    """enrollment.hooks ENROLLMENT_STARTED: the checklist exists from the first day."""
    if not Checklist.objects.filter(enrollment=enrollment).exists():
        checklist_create(enrollment=enrollment)


# --- entries -------------------------------------------------------------------------------------


def _owner_only(actor: Any, checklist: Checklist) -> None:
    if checklist.enrollment.participant_id != getattr(actor, "pk", None):
        raise NotAllowed("Only the participant records and signs their own checklist.")


@transaction.atomic
def entry_record(
    *,
    actor: Any,
    requirement: ChecklistRequirement,
    number: int,
    completed_on: date,
    mode: str = Mode.RECORDING,
    note: str = "",
    evidence: Any = None,
) -> ChecklistEntry:
    checklist = _lock(requirement.checklist)
    _owner_only(actor, checklist)
    _refuse_if_signed(checklist)
    if requirement.kind not in MANUAL_KINDS:
        raise DomainError(f"“{requirement.name}” is counted automatically; it is not ticked by hand.")
    limit = len(requirement.item_labels) if requirement.kind == Kind.ITEMS else requirement.target
    errors: dict[str, str] = {}
    if not 1 <= number <= limit:
        what = "item" if requirement.kind == Kind.ITEMS else "session"
        errors["number"] = f"Choose a {what} from 1 to {limit}."
    elif ChecklistEntry.objects.filter(requirement=requirement, number=number).exists():
        errors["number"] = f"{requirement.label_for(number)} is already recorded."
    if completed_on > today_for(actor):
        errors["completed_on"] = "The date cannot be in the future."
    if mode not in Mode.values:
        errors["mode"] = "Choose live or recording."
    if len(note) > 500:
        errors["note"] = "Keep the note under 500 characters."
    checked = None
    if evidence:
        try:
            checked = check_evidence(evidence)
        except ValidationError as exc:
            errors["evidence"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    entry = ChecklistEntry(
        requirement=requirement,
        number=number,
        completed_on=completed_on,
        mode=mode,
        note=note.strip(),
        recorded_by=actor,
    )
    if checked is not None:
        entry.evidence_name = checked.name
        entry.evidence_type = checked.content_type
        entry.evidence_size = checked.size
        entry.evidence_sha256 = checked.sha256
        entry.evidence.save(checked.name, evidence, save=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # the same session recorded twice at once: the other request won
        if entry.evidence:
            entry.evidence.delete(save=False)
        raise ValidationError({"number": f"{requirement.label_for(number)} is already recorded."}) from None
    audit_record(
        actor=actor,
        action="checklist.entry_recorded",
        target=checklist,
        changes={
            "requirement": requirement.code,
            "number": number,
            "completed_on": completed_on.isoformat(),
            "mode": mode,
            "evidence": entry.evidence_name,
        },
    )
    return entry


@transaction.atomic
def entry_undo(*, actor: Any, entry: ChecklistEntry) -> None:
    checklist = _lock(entry.requirement.checklist)
    _owner_only(actor, checklist)
    _refuse_if_signed(checklist)
    entry = ChecklistEntry.objects.select_related("requirement").get(pk=entry.pk)
    path, storage = entry.evidence.name, entry.evidence.storage
    label = entry.requirement.label_for(entry.number)
    entry.delete()
    audit_record(
        actor=actor,
        action="checklist.entry_undone",
        target=checklist,
        changes={"requirement": entry.requirement.code, "number": entry.number},
        reason=f"{label} undone",
    )
    if path and not ChecklistEntry.objects.filter(evidence=path).exists():
        # Earlier versions of a returned checklist may share the file; only an unused file goes.
        transaction.on_commit(lambda: storage.delete(path))


# --- signing and review ----------------------------------------------------------------------------


def expected_signer_name(user: Any) -> str:
    try:
        legal = user.profile.legal_name
    except Exception:  # no profile yet
        legal = ""
    return legal or user.display_name


def _normal(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def current_attestation() -> AttestationText:
    attestation = AttestationText.objects.order_by("-version").first()
    if attestation is None:
        raise DomainError("No attestation text exists. Staff must add one first.", code="no_attestation")
    return attestation


# Wrong passwords or codes at signing: after this many within the window, signing waits (someone at an
# unattended session must not be able to guess the password here).
REAUTH_FAILURE_LIMIT = 5
REAUTH_WINDOW_SECONDS = 15 * 60


def reauthenticate(user: Any, password: str, mfa_code: str = "") -> None:
    """The signer proves again who they are: their password, and their code when they use MFA."""
    key = f"requirements_tracking.reauth_failures.{user.pk}"
    if cache.get(key, 0) >= REAUTH_FAILURE_LIMIT:
        raise DomainError(
            "Too many wrong attempts. Wait 15 minutes, then try again.", code="too_many_attempts"
        )
    errors: dict[str, str] = {}
    if not password or not user.check_password(password):
        errors["password"] = "That password is not right."
    if is_mfa_enabled(user):
        auth = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if not mfa_code or auth is None or not TOTP(auth).validate_code(mfa_code.strip()):
            errors["mfa_code"] = "Enter the current code from your authenticator app."
    if errors:
        cache.add(key, 0, REAUTH_WINDOW_SECONDS)
        cache.incr(key)
        raise ValidationError(errors)
    cache.delete(key)


@transaction.atomic
def checklist_sign(
    *,
    actor: Any,
    checklist: Checklist,
    full_name: str,
    password: str,
    attestation_version: int,
    mfa_code: str = "",
    ip: str | None = None,
    user_agent: str = "",
    as_of: date | None = None,
) -> Checklist:
    """Sign the checklist: the requirements must be met; progress counted by other apps is frozen
    into the checklist; then the canonical content is hashed and the signature stored."""
    locked = _lock(checklist)
    _owner_only(actor, locked)
    _refuse_if_signed(locked)
    attestation = current_attestation()
    if attestation_version != attestation.version:
        raise DomainError(
            "The attestation text changed while you were reading it. Read the current text and sign again.",
            code="attestation_changed",
        )
    if _normal(full_name) != _normal(expected_signer_name(actor)):
        raise ValidationError({"full_name": f"Type your full name exactly: {expected_signer_name(actor)}."})
    reauthenticate(actor, password, mfa_code)
    as_of = as_of or progress_day(actor)
    enrollment = Enrollment.objects.select_related("policy").get(pk=locked.enrollment_id)
    rows = list(ChecklistRequirement.objects.filter(checklist=locked).order_by("order", "id"))
    progress = compute(
        [enrollment],
        {enrollment.pk: [spec_from_row(r) for r in rows]},
        {enrollment.pk: locked},
        {enrollment.policy_id: enrollment.policy},
        as_of,
    )[enrollment.pk]
    if not progress.complete:
        raise DomainError(
            "Some requirements are not met yet: " + "; ".join(progress.unmet) + ".", code="incomplete"
        )
    by_id = {i.requirement_id: i for i in progress.items}
    for r in rows:
        item = by_id[r.pk]
        r.signed_done, r.signed_detail = item.done, item.detail
        r.save(update_fields=["signed_done", "signed_detail"])
    locked.signed_by = actor
    locked.signed_at = timezone.now().replace(microsecond=0)
    locked.signed_name = full_name.strip()
    locked.signed_ip = ip
    locked.signed_user_agent = (user_agent or "")[:500]
    locked.attestation = attestation
    locked.content_hash = content_hash(locked)
    locked.status = S.SIGNED
    locked.save(
        update_fields=[
            "signed_by",
            "signed_at",
            "signed_name",
            "signed_ip",
            "signed_user_agent",
            "attestation",
            "content_hash",
            "status",
        ]
    )
    audit_record(
        actor=actor,
        action="checklist.signed",
        target=locked,
        changes={
            "status": [S.OPEN, S.SIGNED],
            "sha256": locked.content_hash,
            "attestation": attestation.version,
        },
    )
    checklist.refresh_from_db()
    return locked


@transaction.atomic
def checklist_review(*, actor: Any, checklist: Checklist, decision: str, comment: str = "") -> Checklist:
    """Staff verify a signed checklist, or return it with comments; returning keeps the signed version
    and opens the next one with the same entries for the participant to correct."""
    if not is_staff_member(actor):
        raise NotAllowed("Only NMN staff verify checklists.")
    locked = _lock(checklist)
    new = {"verify": S.VERIFIED, "return": S.RETURNED}.get(decision)
    if new is None:
        raise ValidationError({"decision": "Choose verify or return."})
    if new not in ALLOWED_TRANSITIONS[locked.status]:
        raise DomainError(f"A checklist that is {locked.get_status_display().lower()} cannot be reviewed.")
    if new == S.RETURNED and not comment.strip():
        raise ValidationError({"comment": "Say what needs to change when returning a checklist."})
    old = locked.status
    locked.status = new
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.review_comment = comment.strip()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    audit_record(
        actor=actor,
        action=f"checklist.{new}",
        target=locked,
        reason=comment.strip(),
        changes={"status": [old, new]},
    )
    if new == S.RETURNED:
        _next_version(locked)
    checklist.refresh_from_db()
    return locked


def _next_version(signed: Checklist) -> Checklist:
    nxt = Checklist.objects.create(enrollment=signed.enrollment, version=signed.version + 1)
    for r in ChecklistRequirement.objects.filter(checklist=signed).prefetch_related("entries"):
        copy = ChecklistRequirement.objects.create(
            checklist=nxt,
            template=r.template,
            code=r.code,
            name=r.name,
            description=r.description,
            kind=r.kind,
            target=r.target,
            params=r.params,
            item_labels=r.item_labels,
            order=r.order,
        )
        ChecklistEntry.objects.bulk_create(
            ChecklistEntry(
                requirement=copy,
                number=e.number,
                completed_on=e.completed_on,
                mode=e.mode,
                note=e.note,
                evidence=e.evidence.name,
                evidence_name=e.evidence_name,
                evidence_type=e.evidence_type,
                evidence_size=e.evidence_size,
                evidence_sha256=e.evidence_sha256,
                recorded_by_id=e.recorded_by_id,
                recorded_at=e.recorded_at,
            )
            for e in r.entries.all()
        )
    return nxt


# --- policy agreement ------------------------------------------------------------------------------


def current_agreement() -> PolicyAgreement | None:
    return PolicyAgreement.objects.filter(published_at__lte=timezone.now()).order_by("-version").first()


@transaction.atomic
def agreement_sign(
    *, actor: Any, agreement: PolicyAgreement, full_name: str, ip: str | None = None, user_agent: str = ""
) -> PolicyAgreementSignature:
    current = current_agreement()
    if current is None or current.pk != agreement.pk:
        raise DomainError("Only the current version of the policy can be signed.", code="not_current")
    if _normal(full_name) != _normal(expected_signer_name(actor)):
        raise ValidationError({"full_name": f"Type your full name exactly: {expected_signer_name(actor)}."})
    if PolicyAgreementSignature.objects.filter(agreement=agreement, user=actor).exists():
        raise DomainError(f"You have already signed version {agreement.version}.", code="already_signed")
    signature = PolicyAgreementSignature.objects.create(
        agreement=agreement,
        user=actor,
        signed_name=full_name.strip(),
        signed_ip=ip,
        signed_user_agent=(user_agent or "")[:500],
    )
    audit_record(
        actor=actor,
        action="policy_agreement.signed",
        target=signature,
        changes={"version": agreement.version},
    )
    return signature


def completion_check(enrollment: Enrollment, as_of: date) -> list[str]:
    """enrollment.hooks COMPLETION_CHECKS: unmet requirements, and the signed checklist."""
    from .selectors import progress_for_enrollments

    progress = progress_for_enrollments([enrollment], as_of)[enrollment.pk]
    problems = list(progress.unmet)
    # Leaving a phase needs its signed checklist; a Maintenance year is renewed on its requirements.
    if enrollment.phase != Phase.MAINTENANCE and progress.checklist_status not in (S.SIGNED, S.VERIFIED):
        problems.append("The checklist is not signed yet.")
    return problems
