"""A seeded program for the staff console's tests: every participant has one item in every queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from enrollment.dates import add_months
from enrollment.models import (
    Application,
    Degree,
    Enrollment,
    ExtensionRequest,
    Invoice,
    License,
    Organization,
    ParticipantProfile,
    Payment,
    TransitionRequest,
)
from maintenance.models import Presentation
from metrics_tokens.models import FidelityAssignment, FidelityExercise
from requirements_tracking.models import AttestationText, Checklist
from tests.maintenance.factories import policy
from tests.support import make_user

TODAY = date(2026, 6, 15)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def exercise(year: int = 2026, deadline: date = date(2026, 5, 31)) -> FidelityExercise:
    return FidelityExercise.objects.get_or_create(
        year=year,
        defaults={
            "title": f"Fidelity Exercise {year}",
            "case_abstract": "fidelity/abstract.pdf",
            "qa_session_at": at(deadline - timedelta(days=20)),
            "qa_session_link": "https://example.org/qa",
            "deadline": deadline,
        },
    )[0]


def participant(n: int, *, organization: Organization | None = None, license_number: str = "") -> Any:
    user = make_user(f"p{n}@example.org", ["participant"], first_name=f"First{n}", last_name=f"Last{n:03d}")
    profile = ParticipantProfile.objects.create(
        user=user,
        legal_name=f"First{n} Last{n:03d}",
        organization=organization,
        currently_practicing=True,
        populations_served=["children"],
        prior_case_based_series=True,
    )
    Degree.objects.create(profile=profile, level="master", field="Psychology", institution="U", year=2010)
    License.objects.create(
        profile=profile,
        license_type="LPC",
        number=license_number or f"LPC-{n:06d}",
        jurisdiction="Texas",
        expires_on=date(2099, 1, 1),
    )
    return user


def seed(
    count: int,
    *,
    today: date = TODAY,
    organization: Organization | None = None,
    signed_checklists: bool = True,
) -> list[Any]:
    """`count` participants, each with one item in each of the nine queues. Transactional tests pass
    signed_checklists=False: the database refuses to delete a signed checklist, so the flush would fail."""
    pol = policy()
    ex = exercise()
    attestation = AttestationText.objects.get_or_create(version=1, defaults={"text": "I attest."})[0]
    people = []
    for n in range(1, count + 1):
        user = participant(n, organization=organization)
        # A Phase I enrollment whose term ends in 10 days ("ending" queue).
        start = add_months(today + timedelta(days=10), -pol.rule("phase1").term_months)
        phase1 = Enrollment.objects.create(
            participant=user,
            phase="phase1",
            policy=pol,
            status="active",
            start_date=start,
            term_end=today + timedelta(days=10),
        )
        Application.objects.create(
            participant=user, agreed_to_policy_at=at(start), submitted_at=at(today - timedelta(days=n + 3))
        )
        TransitionRequest.objects.create(
            enrollment=phase1,
            to_phase="phase2",
            requested_by=user,
            requested_at=at(today - timedelta(days=2)),
        )
        ExtensionRequest.objects.create(
            enrollment=phase1,
            months=3,
            reason="Family leave",
            requested_by=user,
            requested_at=at(today - timedelta(days=4)),
        )
        if signed_checklists:
            Checklist.objects.create(
                attestation=attestation,
                content_hash="0" * 64,
                enrollment=phase1,
                status="signed",
                signed_by=user,
                signed_at=at(today - timedelta(days=5)),
                signed_name=user.get_full_name(),
            )
        Presentation.objects.create(
            trainer=user,
            title=f"Intro {n}",
            audience="Teachers",
            planned_on=today + timedelta(days=40),
            venue="Online",
            slides="presentations/x.pdf",
            slides_name="x.pdf",
        )
        FidelityAssignment.objects.create(exercise=ex, participant=user, enrollment=phase1)
        invoice = Invoice.objects.create(
            participant=user,
            enrollment=phase1,
            kind="phase_fee",
            amount=Decimal("4000.00"),
            description="Phase I fee",
            issued_on=today - timedelta(days=30),
        )
        Payment.objects.create(invoice=invoice, amount=Decimal("1000.00"), paid_on=today, method="check")
        # A flagged Maintenance year from before.
        Enrollment.objects.create(
            participant=user,
            phase="maintenance",
            policy=pol,
            status="completed",
            start_date=date(2024, 1, 1),
            term_end=date(2025, 1, 1),
            year_number=1,
            flagged_for_review=True,
            flag_reason="Fewer metric reports than required",
        )
        people.append(user)
    return people
