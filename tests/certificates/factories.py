"""Test data for certificates: completed enrollments (as staff approval leaves them) and certificates."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

from django.utils import timezone

from certificates.models import Certificate, CertificateNumberSequence
from enrollment.models import (
    Enrollment,
    EnrollmentStatus,
    Organization,
    ParticipantProfile,
    Phase,
    ProgramPolicy,
)
from tests.support import make_user


def policy() -> ProgramPolicy:
    """The seeded "December 2025" policy (seeded again after a transactional test flushed it)."""
    found = ProgramPolicy.objects.order_by("effective_from").first()
    if found is None:
        from django.apps import apps

        importlib.import_module("enrollment.migrations.0002_december_2025_policy").seed(apps, None)
        found = ProgramPolicy.objects.order_by("effective_from").first()
    return found


def profile(user: Any, legal_name: str, organization: Organization | None = None) -> ParticipantProfile:
    return ParticipantProfile.objects.update_or_create(
        user=user, defaults={"legal_name": legal_name, "organization": organization}
    )[0]


def completed_enrollment(
    user: Any,
    phase: str = Phase.PHASE_1,
    completed_on: date = date(2026, 9, 30),
    start: date = date(2025, 9, 1),
) -> Enrollment:
    """A phase staff have approved as completed (what enrollment's services leave behind)."""
    return Enrollment.objects.create(
        participant=user,
        phase=phase,
        policy=policy(),
        status=EnrollmentStatus.COMPLETED,
        start_date=start,
        term_end=date(start.year + 1, start.month, 1),
        completed_on=completed_on,
    )


def maintenance(user: Any, status: str, start: date = date(2026, 10, 1)) -> Enrollment:
    return Enrollment.objects.create(
        participant=user,
        phase=Phase.MAINTENANCE,
        policy=policy(),
        status=status,
        start_date=start,
        term_end=date(start.year + 1, start.month, 1),
        ended_on=start if status == EnrollmentStatus.LAPSED else None,
    )


def many_certificates(n: int, *, organization: Organization | None = None, prefix: str = "bulk") -> list[int]:
    """n participants, each with a completed Phase I and its certificate, made in bulk (fast)."""
    users = [
        make_user(f"{prefix}{i}@example.org", ["participant"], first_name=f"P{i}", last_name="Bulk")
        for i in range(n)
    ]
    ParticipantProfile.objects.bulk_create(
        [
            ParticipantProfile(user=u, legal_name=f"Participant {i:04d} Example", organization=organization)
            for i, u in enumerate(users)
        ]
    )
    p = policy()
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                participant=u, phase=Phase.PHASE_1, policy=p, status=EnrollmentStatus.COMPLETED,
                start_date=date(2025, 9, 1), term_end=date(2026, 9, 1), completed_on=date(2026, 9, 30),
            )
            for u in users
        ]
    )  # fmt: skip
    seq, _ = CertificateNumberSequence.objects.get_or_create(year=2026)
    start = seq.last_value
    certificates = Certificate.objects.bulk_create(
        [
            Certificate(
                number=f"NMT-2026-{start + i + 1:06d}", participant=e.participant, enrollment=e, level="phase1",
                legal_name=f"Participant {i:04d} Example", completion_date=e.completed_on,
                issue_date=date(2026, 10, 15), issuer_name="The Neurosequential Network",
                wording=p.certificate_wording, issued_at=timezone.now(),
            )
            for i, e in enumerate(enrollments)
        ]
    )  # fmt: skip
    seq.last_value = start + n
    seq.save(update_fields=["last_value"])
    if certificates and certificates[0].pk is None:  # backends that do not return ids from bulk_create
        return list(Certificate.objects.filter(participant__in=users).values_list("pk", flat=True))
    return [c.pk for c in certificates]
