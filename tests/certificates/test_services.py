"""Issuing, numbering, revoking and reissuing certificates, each audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.errors import DomainError, NotAllowed
from accounts.models import AuditEntry
from certificates import services
from certificates.models import Certificate, CertificateStatus
from certificates.selectors import issuable_enrollments, legal_name_for
from enrollment.models import Enrollment, EnrollmentStatus, Phase
from enrollment.services import enrollment_change_status, enrollment_open
from tests.certificates.factories import completed_enrollment, policy, profile

pytestmark = pytest.mark.django_db


def test_it_issues_after_staff_approve_completion_through_the_enrollment_services(cast: Any) -> None:
    profile(cast.participant, "Patricia Q. Participant")
    enrollment = enrollment_open(
        actor=cast.staff,
        participant=cast.participant,
        phase=Phase.PHASE_1,
        start_date=date(2025, 9, 1),
        policy=policy(),
    )
    with pytest.raises(DomainError, match="not approved the completion"):
        services.certificate_issue(actor=cast.admin, enrollment=enrollment)
    enrollment_change_status(
        actor=cast.staff, enrollment=enrollment, new_status=EnrollmentStatus.COMPLETED, on=date(2026, 9, 30)
    )
    assert list(issuable_enrollments()) == [enrollment]
    with time_machine.travel(date(2026, 10, 5)):
        certificate = services.certificate_issue(actor=cast.admin, enrollment=enrollment)
    assert certificate.number == "NMT-2026-000001"
    assert len(certificate.verification_code) >= 20
    assert certificate.legal_name == "Patricia Q. Participant"
    assert certificate.level == "phase1"
    assert certificate.completion_date == date(2026, 9, 30)
    assert certificate.issue_date == date(2026, 10, 5)
    assert certificate.issued_by == cast.admin
    assert certificate.wording == enrollment.policy.certificate_wording
    assert certificate.status == CertificateStatus.VALID
    assert list(issuable_enrollments()) == []
    entry = AuditEntry.objects.get(action="certificate.issued")
    assert entry.actor == cast.admin and entry.subject_user == cast.participant


def test_it_refuses_a_second_current_certificate_for_one_completion(cast: Any) -> None:
    enrollment = completed_enrollment(cast.participant)
    services.certificate_issue(actor=cast.admin, enrollment=enrollment)
    with pytest.raises(DomainError, match="already has a current certificate"):
        services.certificate_issue(actor=cast.admin, enrollment=enrollment)
    assert Certificate.objects.count() == 1


def test_only_admins_issue(cast: Any) -> None:
    enrollment = completed_enrollment(cast.participant)
    for who in (cast.staff, cast.participant, cast.mentor):
        with pytest.raises(NotAllowed):
            services.certificate_issue(actor=who, enrollment=enrollment)
    assert not Certificate.objects.exists()


def test_maintenance_and_open_phases_get_no_certificate(cast: Any) -> None:
    done_maintenance = Enrollment.objects.create(
        participant=cast.participant, phase=Phase.MAINTENANCE, policy=policy(), status=EnrollmentStatus.COMPLETED,
        start_date=date(2025, 1, 1), term_end=date(2026, 1, 1), completed_on=date(2025, 12, 31),
    )  # fmt: skip
    with pytest.raises(DomainError, match="does not lead to a certificate"):
        services.certificate_issue(actor=cast.admin, enrollment=done_maintenance)


def test_numbers_are_a_readable_sequence_per_year(cast: Any) -> None:
    a = services.certificate_issue(
        actor=cast.admin, enrollment=completed_enrollment(cast.participant), on=date(2026, 12, 30)
    )
    b = services.certificate_issue(
        actor=cast.admin, enrollment=completed_enrollment(cast.other_participant), on=date(2026, 12, 31)
    )
    c = services.certificate_issue(
        actor=cast.admin, enrollment=completed_enrollment(cast.trainer), on=date(2027, 1, 2)
    )
    assert [a.number, b.number, c.number] == ["NMT-2026-000001", "NMT-2026-000002", "NMT-2027-000001"]
    assert len({a.verification_code, b.verification_code, c.verification_code}) == 3


def test_the_name_falls_back_to_the_account_name_without_a_profile(cast: Any) -> None:
    assert legal_name_for(cast.participant) == "Pat Participant"
    profile(cast.participant, "Patricia Participant")
    assert legal_name_for(cast.participant) == "Patricia Participant"


def test_issue_many_issues_each_and_reports_refusals(cast: Any) -> None:
    ok = completed_enrollment(cast.participant)
    open_one = Enrollment.objects.create(
        participant=cast.other_participant, phase=Phase.PHASE_1, policy=policy(), status=EnrollmentStatus.ACTIVE,
        start_date=date(2026, 1, 1), term_end=date(2027, 1, 1),
    )  # fmt: skip
    issued, refused = services.certificate_issue_many(actor=cast.admin, enrollments=[ok, open_one])
    assert [c.enrollment for c in issued] == [ok]
    assert [e for e, _ in refused] == [open_one]


def test_revoking_needs_a_reason_and_is_kept(cast: Any) -> None:
    certificate = services.certificate_issue(
        actor=cast.admin, enrollment=completed_enrollment(cast.participant)
    )
    with pytest.raises(ValidationError):
        services.certificate_revoke(actor=cast.admin, certificate=certificate, reason="  ")
    with pytest.raises(NotAllowed):
        services.certificate_revoke(actor=cast.staff, certificate=certificate, reason="x")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    services.certificate_revoke(actor=cast.admin, certificate=certificate, reason="Issued in error")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_by == cast.admin and certificate.revocation_reason == "Issued in error"
    with pytest.raises(DomainError, match="already revoked"):
        services.certificate_revoke(actor=cast.admin, certificate=certificate, reason="again")
    entry = AuditEntry.objects.get(action="certificate.revoked")
    assert entry.reason == "Issued in error" and entry.changes["status"] == ["valid", "revoked"]


def test_reissue_gives_a_new_number_and_code_and_supersedes_the_old(cast: Any) -> None:
    profile(cast.participant, "Pat Partcipant")  # a typo on the certificate
    old = services.certificate_issue(actor=cast.admin, enrollment=completed_enrollment(cast.participant))
    profile(cast.participant, "Pat Participant")  # corrected in the profile
    new = services.certificate_reissue(actor=cast.admin, certificate=old, reason="Name misspelled")
    old.refresh_from_db()
    assert new.legal_name == "Pat Participant"
    assert new.number != old.number and new.verification_code != old.verification_code
    assert old.superseded_by == new and old.status == CertificateStatus.SUPERSEDED
    assert new.status == CertificateStatus.VALID and new.reissue_reason == "Name misspelled"
    assert new.enrollment_id == old.enrollment_id
    with pytest.raises(DomainError, match="already reissued"):
        services.certificate_reissue(actor=cast.admin, certificate=old, reason="again")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"certificate.reissued", "certificate.issued"} <= actions
    # An explicit name wins (for a correction typed by the admin).
    newer = services.certificate_reissue(
        actor=cast.admin, certificate=new, reason="Middle name", legal_name="Pat Q. Participant"
    )
    assert newer.legal_name == "Pat Q. Participant"


def test_a_revoked_certificate_is_not_reissued_but_the_completion_may_get_a_new_one(cast: Any) -> None:
    enrollment = completed_enrollment(cast.participant)
    certificate = services.certificate_issue(actor=cast.admin, enrollment=enrollment)
    services.certificate_revoke(actor=cast.admin, certificate=certificate, reason="Wrong level")
    with pytest.raises(DomainError, match="revoked"):
        services.certificate_reissue(actor=cast.admin, certificate=certificate, reason="x")
    assert list(issuable_enrollments()) == [enrollment]
