"""Applications for Phase I: submit (and resubmit), approve, reject, ask for more information."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.services import audit_record

from .. import eligibility
from ..emails import notify_participant
from ..models import (
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    Degree,
    Enrollment,
    EnrollmentStatus,
    InvoiceKind,
    License,
    Organization,
    ParticipantProfile,
    Phase,
)
from .core import enrollment_open, policy_for
from .fees import invoice_issue

POPULATIONS = {c.value for c in ParticipantProfile.Population}
A = ApplicationStatus


def _clean_degrees(degrees: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    this_year = timezone.localdate().year
    cleaned = []
    if not degrees:
        errors.setdefault("degree_level", []).append("Give at least one degree.")
    for d in degrees:
        level = d.get("level", "")
        if level not in Degree.Level.values:
            errors.setdefault("degree_level", []).append(
                f"Choose a degree level ({', '.join(Degree.Level.values)})."
            )
            continue
        fieldname = str(d.get("field", "")).strip()
        institution = str(d.get("institution", "")).strip()
        try:
            year = int(d.get("year"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            year = 0
        if not fieldname:
            errors.setdefault("degree_field", []).append("Give the degree's field, e.g. social work.")
        if not institution:
            errors.setdefault("degree_institution", []).append(
                "Give the institution that awarded the degree."
            )
        if not 1940 <= year <= this_year:
            errors.setdefault("degree_year", []).append(f"Give the year awarded (1940–{this_year}).")
        cleaned.append({"level": level, "field": fieldname, "institution": institution, "year": year})
    return cleaned


def _clean_licenses(licenses: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    cleaned = []
    if not licenses:
        errors.setdefault("license_type", []).append("Give your license or similar designation.")
    for lic in licenses:
        item = {k: str(lic.get(k, "")).strip() for k in ("license_type", "number", "jurisdiction")}
        expires_on = lic.get("expires_on")
        if isinstance(expires_on, str):
            try:
                expires_on = date.fromisoformat(expires_on)
            except ValueError:
                expires_on = None
        if not isinstance(expires_on, date):
            errors.setdefault("license_expires_on", []).append("Give the license's expiry date (YYYY-MM-DD).")
        for key, label in (("license_type", "type"), ("number", "number"), ("jurisdiction", "jurisdiction")):
            if not item[key]:
                errors.setdefault(f"license_{key}".replace("license_license", "license"), []).append(
                    f"Give the license's {label}."
                )
        item["expires_on"] = expires_on  # type: ignore[assignment]
        cleaned.append(item)
    return cleaned


def save_profile(
    *,
    participant: Any,
    legal_name: str,
    organization: Organization | None,
    organization_name: str,
    currently_practicing: bool,
    populations: list[str],
    practice_setting: str,
    prior_case_based_series: bool,
    degrees: list[dict[str, Any]],
    licenses: list[dict[str, Any]],
) -> ParticipantProfile:
    """Write checked profile data; the degrees and licenses given replace the stored ones."""
    if organization is None and organization_name.strip():
        organization = Organization.objects.filter(name__iexact=organization_name.strip()).first() or (
            Organization.objects.create(name=organization_name.strip()[:200])
        )
    profile, _ = ParticipantProfile.objects.update_or_create(
        user=participant,
        defaults={
            "legal_name": legal_name[:200],
            "organization": organization,
            "currently_practicing": bool(currently_practicing),
            "populations_served": populations,
            "practice_setting": (practice_setting or "").strip()[:200],
            "prior_case_based_series": bool(prior_case_based_series),
        },
    )
    profile.degrees.all().delete()
    Degree.objects.bulk_create(Degree(profile=profile, **d) for d in degrees)
    profile.licenses.all().delete()
    License.objects.bulk_create(License(profile=profile, **lic) for lic in licenses)

    return profile


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    participant: Any,
    legal_name: str,
    degrees: list[dict[str, Any]],
    licenses: list[dict[str, Any]],
    currently_practicing: bool,
    populations_served: list[str],
    prior_case_based_series: bool,
    agreed_to_policy: bool,
    practice_setting: str = "",
    organization: Organization | None = None,
    organization_name: str = "",
) -> Application:
    """Save the applicant's profile and submit (or resubmit) their Phase I application.

    Bad input and failed blocking eligibility rules raise ValidationError naming the fields; nothing is
    saved then. `degrees` are dicts of level, field, institution, year; `licenses` of license_type,
    number, jurisdiction, expires_on. They replace the ones on the profile.
    """
    if actor != participant:
        raise DomainError("Applicants submit their own application.", code="not_allowed")
    if (
        Enrollment.objects.filter(participant=participant, phase=Phase.PHASE_1)
        .exclude(status__in=[EnrollmentStatus.WITHDRAWN])
        .exists()
    ):
        raise DomainError(
            "You already have a Phase I enrollment: there is nothing to apply for.", code="conflict"
        )
    errors: dict[str, list[str]] = {}
    legal_name = (legal_name or "").strip()
    if not legal_name:
        errors["legal_name"] = ["Give your legal name exactly as it must appear on a certificate."]
    if not agreed_to_policy:
        errors["agreed_to_policy"] = ["You must agree to the client-confidentiality and attribution policy."]
    populations = list(dict.fromkeys(populations_served or []))
    if any(p not in POPULATIONS for p in populations):
        errors["populations_served"] = [f"Choose among: {', '.join(sorted(POPULATIONS))}."]
    clean_degrees = _clean_degrees(list(degrees or []), errors)
    clean_licenses = _clean_licenses(list(licenses or []), errors)
    if errors:
        raise ValidationError(errors)

    today = timezone.localdate()
    facts = eligibility.Facts(
        as_of=today,
        degree_levels=tuple(d["level"] for d in clean_degrees),
        license_expiries=tuple(lic["expires_on"] for lic in clean_licenses),
        currently_practicing=bool(currently_practicing),
        populations_served=tuple(populations),
        prior_case_based_series=bool(prior_case_based_series),
    )
    outcome = eligibility.evaluate(facts)
    if not outcome.eligible:
        raise ValidationError({k: [v] for k, v in outcome.blocking_failures().items()})

    existing = (
        Application.objects.select_for_update()
        .filter(participant=participant, status__in=[A.SUBMITTED, A.INFO_REQUESTED])
        .first()
    )
    save_profile(
        participant=participant,
        legal_name=legal_name,
        organization=organization,
        organization_name=organization_name,
        currently_practicing=currently_practicing,
        populations=populations,
        practice_setting=practice_setting,
        prior_case_based_series=prior_case_based_series,
        degrees=clean_degrees,
        licenses=clean_licenses,
    )

    now = timezone.now()
    if existing is None:
        application = Application.objects.create(
            participant=participant,
            agreed_to_policy_at=now,
            submitted_at=now,
            eligibility=outcome.results,
            prerequisite_required=outcome.prerequisite_required,
        )
        action = "application.submitted"
    else:
        application = existing
        old = application.status
        application.status = A.SUBMITTED
        application.submitted_at = now
        application.agreed_to_policy_at = now
        application.eligibility = outcome.results
        application.prerequisite_required = outcome.prerequisite_required
        application.save(
            update_fields=[
                "status",
                "submitted_at",
                "agreed_to_policy_at",
                "eligibility",
                "prerequisite_required",
            ]
        )
        action = "application.resubmitted" if old == A.INFO_REQUESTED else "application.updated"
    # License numbers stay out of the audit trail: it records which rules passed, not the data.
    audit_record(
        actor=actor,
        action=action,
        target=application,
        changes={"eligibility": {r["code"]: r["passed"] for r in outcome.results}},
    )
    return application


def _lock_open(application: Application, *allowed: str) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status not in allowed:
        raise DomainError(
            f"This application is {locked.get_status_display().lower()}; it cannot be decided now.",
            code="conflict",
        )
    return locked


@transaction.atomic
def application_approve(
    *, actor: Any, application: Application, start_date: date | None = None
) -> Enrollment:
    """Approve: open the Phase I enrollment (pinned to the policy in effect at its start) and record
    the Phase I fee from that policy."""
    # Two staff approving at once would open two enrollments: the row lock makes the second one wait
    # and then see the application already approved.
    locked = _lock_open(application, A.SUBMITTED)
    start = start_date or timezone.localdate()
    profile = ParticipantProfile.objects.filter(user=locked.participant).first()
    if profile is None:
        raise DomainError("The applicant has no profile to review.", code="conflict")
    outcome = eligibility.evaluate(eligibility.Facts.from_profile(profile, start))
    if not outcome.eligible:
        raise DomainError(
            "Not eligible on the start date: " + " ".join(outcome.blocking_failures().values()),
            code="not_eligible",
        )
    if Enrollment.objects.filter(
        participant=locked.participant, phase=Phase.PHASE_1, status__in=sorted(OPEN_STATUSES)
    ).exists():
        raise DomainError("The applicant already has an open Phase I enrollment.", code="conflict")
    policy = policy_for(start)
    enrollment = enrollment_open(
        actor=actor,
        participant=locked.participant,
        phase=Phase.PHASE_1,
        start_date=start,
        policy=policy,
        prerequisite_required=outcome.prerequisite_required,
        reason="application approved",
    )
    rule = policy.rule(Phase.PHASE_1)
    invoice = invoice_issue(
        actor=actor,
        participant=locked.participant,
        kind=InvoiceKind.PHASE_FEE,
        amount=rule.fee,
        description=f"{Phase.PHASE_1.label} fee ({policy.name} policy)",
        enrollment=enrollment,
        issued_on=start,
    )
    locked.status = A.APPROVED
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.enrollment = enrollment
    locked.prerequisite_required = outcome.prerequisite_required
    locked.save(update_fields=["status", "decided_at", "decided_by", "enrollment", "prerequisite_required"])
    audit_record(
        actor=actor,
        action="application.approved",
        target=locked,
        changes={"status": [A.SUBMITTED, A.APPROVED], "enrollment": enrollment.pk},
    )
    notify_participant(
        user=locked.participant,
        subject="Your application is approved",
        template="application_approved",
        context={"application": locked, "enrollment": enrollment, "invoice": invoice},
    )
    application.__dict__.update(status=locked.status, enrollment_id=enrollment.pk)
    return enrollment


@transaction.atomic
def application_reject(*, actor: Any, application: Application, reason: str) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for rejecting the application."})
    locked = _lock_open(application, A.SUBMITTED, A.INFO_REQUESTED)
    old = locked.status
    locked.status = A.REJECTED
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.decision_reason = reason
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit_record(
        actor=actor,
        action="application.rejected",
        target=locked,
        reason=reason,
        changes={"status": [old, A.REJECTED]},
    )
    notify_participant(
        user=locked.participant,
        subject="Your application",
        template="application_rejected",
        context={"application": locked},
    )
    return locked


@transaction.atomic
def application_request_info(*, actor: Any, application: Application, message: str) -> Application:
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Say what information you need from the applicant."})
    locked = _lock_open(application, A.SUBMITTED)
    locked.status = A.INFO_REQUESTED
    locked.info_request = message
    locked.save(update_fields=["status", "info_request"])
    audit_record(
        actor=actor,
        action="application.info_requested",
        target=locked,
        reason=message,
        changes={"status": [A.SUBMITTED, A.INFO_REQUESTED]},
    )
    notify_participant(
        user=locked.participant,
        subject="We need more information for your application",
        template="application_info_requested",
        context={"application": locked},
    )
    return locked
