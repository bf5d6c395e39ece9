"""Demo enrollments, applications, fees and organizations (idempotent). Runs after accounts' demo people."""

from __future__ import annotations

from datetime import date
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.utils import timezone

from accounts.demo import demo_user
from accounts.models import User
from accounts.roles import Role
from accounts.services import user_grant_role

from . import services
from .dates import add_months
from .models import (
    Application,
    Degree,
    Enrollment,
    EnrollmentStatus,
    Invoice,
    License,
    Organization,
    ParticipantProfile,
    PaymentMethod,
    Phase,
    ProgramPolicy,
)

ORGANIZATIONS = [
    ("Riverbend Family Services", "Springfield", "USA"),
    ("Northside Children's Clinic", "Portland", "USA"),
    ("Harbour Youth Trust", "Bristol", "United Kingdom"),
]
# Riverbend has enough clinicians to be a candidate for Site Training Certification.
RIVERBEND_COLLEAGUES = 6


def _profile(user: User, org: Organization | None, *, prior_series: bool = True) -> ParticipantProfile:
    profile, created = ParticipantProfile.objects.get_or_create(
        user=user,
        defaults={
            "legal_name": f"{user.first_name} {user.last_name}".strip() or user.email,
            "organization": org,
            "currently_practicing": True,
            "populations_served": ["children", "families"],
            "practice_setting": "Community mental health clinic",
            "prior_case_based_series": prior_series,
        },
    )
    if created:
        Degree.objects.create(
            profile=profile,
            level=Degree.Level.MASTER,
            field="Social work",
            institution="State University",
            year=2012,
        )
        License.objects.create(
            profile=profile,
            license_type="LCSW",
            number=f"DEMO-{user.pk:05d}",
            jurisdiction="Oregon",
            expires_on=date(timezone.localdate().year + 2, 6, 30),
        )
    return profile


def _paid_phase(user: User, phase: str, start: date, previous: Enrollment | None = None) -> Enrollment:
    enrollment = services.enrollment_open(
        actor=None, participant=user, phase=phase, start_date=start, previous=previous, reason="demo data"
    )
    pay_phase_fee(enrollment, start)
    return enrollment


def pay_phase_fee(enrollment: Enrollment, paid_on: date) -> None:
    """The enrollment's phase fee invoiced and paid in full on `paid_on` (other apps' demos use it too)."""
    fee = enrollment.rule.fee
    invoice = services.invoice_issue(
        actor=None,
        participant=enrollment.participant,
        kind=services.FEE_KIND[enrollment.phase],
        amount=fee,
        description=f"{Phase(enrollment.phase).label} fee ({enrollment.policy.name} policy)",
        enrollment=enrollment,
        issued_on=paid_on,
    )
    services.payment_record(
        actor=None,
        invoice=invoice,
        amount=fee,
        paid_on=paid_on,
        method=PaymentMethod.BANK_TRANSFER,
        reference="DEMO",
    )


def ensure_policy() -> None:
    """The policy comes from a data migration; a test database flushed between tests has lost it."""
    if not ProgramPolicy.objects.exists():
        migration = import_module("enrollment.migrations.0002_december_2025_policy")
        migration.seed(django_apps, None)


def seed(out: Any = None) -> None:
    ensure_policy()
    today = timezone.localdate()
    for name, city, country in ORGANIZATIONS:
        Organization.objects.get_or_create(name=name, defaults={"city": city, "country": country})
    riverbend = Organization.objects.get(name=ORGANIZATIONS[0][0])
    northside = Organization.objects.get(name=ORGANIZATIONS[1][0])
    harbour = Organization.objects.get(name=ORGANIZATIONS[2][0])

    for n in range(1, RIVERBEND_COLLEAGUES + 1):
        colleague, created = User.objects.get_or_create(
            email=f"riverbend-clinician-{n}@example.org",
            defaults={"first_name": "Clinician", "last_name": f"Riverbend {n}"},
        )
        if created:
            colleague.set_unusable_password()
            colleague.save(update_fields=["password"])
            user_grant_role(actor=None, user=colleague, role=Role.PARTICIPANT, reason="demo data")
        _profile(colleague, riverbend)

    participant = demo_user("participant@example.org")
    _profile(participant, riverbend)
    if not Enrollment.objects.filter(participant=participant).exists():
        _paid_phase(participant, Phase.PHASE_1, add_months(today, -4))

    participant2 = demo_user("participant2@example.org")
    _profile(participant2, harbour, prior_series=False)
    if not Enrollment.objects.filter(participant=participant2).exists():
        enrollment = services.enrollment_open(
            actor=None,
            participant=participant2,
            phase=Phase.PHASE_1,
            start_date=add_months(today, -11),
            prerequisite_required=True,
            reason="demo data",
        )
        invoice = services.invoice_issue(
            actor=None,
            participant=participant2,
            kind=services.FEE_KIND[Phase.PHASE_1],
            amount=enrollment.rule.fee,
            description=f"Phase I fee ({enrollment.policy.name} policy)",
            enrollment=enrollment,
            issued_on=enrollment.start_date,
        )
        half = (enrollment.rule.fee / 2).quantize(enrollment.rule.fee)
        services.payment_record(
            actor=None,
            invoice=invoice,
            amount=half,
            paid_on=enrollment.start_date,
            method=PaymentMethod.CHECK,
            reference="DEMO-1001",
        )

    applicant = demo_user("applicant@example.org")
    if (
        not Application.objects.filter(participant=applicant).exists()
        and not Enrollment.objects.filter(participant=applicant).exists()
    ):
        services.application_submit(
            actor=applicant,
            participant=applicant,
            legal_name="Avery J. Applicant",
            organization=northside,
            currently_practicing=True,
            populations_served=["children", "youth"],
            practice_setting="School-based counselling",
            prior_case_based_series=False,
            agreed_to_policy=True,
            degrees=[
                {
                    "level": Degree.Level.MASTER,
                    "field": "Counseling",
                    "institution": "Lakeside University",
                    "year": 2016,
                }
            ],
            licenses=[
                {
                    "license_type": "LPC",
                    "number": "LPC-884213",
                    "jurisdiction": "Illinois",
                    "expires_on": date(today.year + 1, 12, 31),
                }
            ],
        )

    trainer = demo_user("trainer@example.org")
    _profile(trainer, northside)
    if not Enrollment.objects.filter(participant=trainer).exists():
        phase2_start = add_months(today, -14)
        phase1 = _paid_phase(trainer, Phase.PHASE_1, add_months(phase2_start, -13))
        services.enrollment_change_status(
            actor=None,
            enrollment=phase1,
            new_status=EnrollmentStatus.COMPLETED,
            reason="demo data",
            on=phase2_start,
        )
        _paid_phase(trainer, Phase.PHASE_2, phase2_start, previous=phase1)

    if out is not None:
        out.write(
            f"  enrollment: {Enrollment.objects.count()} enrollments, {Invoice.objects.count()} invoices, "
            f"{Organization.objects.count()} organizations\n"
        )
