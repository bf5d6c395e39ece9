"""Signing with re-authentication, the SHA-256 of the canonical content, tamper detection, the database
refusing edits to a signed checklist, staff review (verify, or return into a new version), the PDF."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.errors import DomainError, NotAllowed
from requirements_tracking.integrity import content_hash, verify_integrity
from requirements_tracking.models import (
    Checklist,
    ChecklistEntry,
    ChecklistRequirement,
    ChecklistStatus,
)
from requirements_tracking.selectors import checklist_for
from requirements_tracking.services import (
    checklist_review,
    checklist_sign,
    entry_record,
    entry_undo,
    expected_signer_name,
)
from tests.support import PASSWORD, make_user, totp_code

from .factories import fake_providers, fill_checklist, open_enrollment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence\n%%EOF\n"
END = "2027-01-02 12:00:00+00:00"


@pytest.fixture
def ready(cast: Any) -> Any:
    """A Phase I checklist with every requirement met, at the end of the term."""
    with fake_providers(), time_machine.travel(END, tick=False):
        enrollment = open_enrollment(cast.participant)
        fill_checklist(cast.participant, enrollment, date(2026, 2, 1))
        checklist = checklist_for(enrollment)
        core = ChecklistRequirement.objects.get(checklist=checklist, code="metric_training")
        ChecklistEntry.objects.filter(requirement=core, number=2).delete()
        entry_record(
            actor=cast.participant,
            requirement=core,
            number=2,
            completed_on=date(2026, 3, 1),
            evidence=SimpleUploadedFile("proof.pdf", PDF),
        )
        yield checklist


def _sign(user: Any, checklist: Checklist, **kw: Any) -> Checklist:
    args = {
        "actor": user,
        "checklist": checklist,
        "full_name": expected_signer_name(user),
        "password": PASSWORD,
        "attestation_version": 1,
        "ip": "203.0.113.9",
        "user_agent": "pytest",
    }
    return checklist_sign(**(args | kw))


def test_it_signs_and_stores_the_signature_and_hash(cast: Any, ready: Checklist) -> None:
    signed = _sign(cast.participant, ready)
    signed.refresh_from_db()
    assert signed.status == ChecklistStatus.SIGNED
    assert signed.signed_by == cast.participant and signed.signed_name == "Pat Participant"
    assert signed.signed_ip == "203.0.113.9" and signed.signed_user_agent == "pytest"
    assert signed.attestation.version == 1 and signed.signed_at.tzinfo is not None
    assert len(signed.content_hash) == 64 and signed.content_hash == content_hash(signed)
    report = verify_integrity(signed)
    assert report.intact and report.computed_hash == signed.content_hash
    # Progress from other apps is frozen into the checklist at signing.
    frozen = ChecklistRequirement.objects.get(checklist=signed, code="reports_client")
    assert frozen.signed_done == 7


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"full_name": "Pat Someoneelse"}, "full_name"),
        ({"password": "wrong-password"}, "password"),
    ],
)
def test_it_refuses_a_wrong_name_or_password_and_changes_nothing(
    cast: Any, ready: Checklist, change: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        _sign(cast.participant, ready, **change)
    assert field in exc.value.message_dict
    ready.refresh_from_db()
    assert ready.status == ChecklistStatus.OPEN and not ready.content_hash


def test_it_asks_users_with_mfa_for_their_code(cast: Any, db: Any) -> None:
    user = make_user(
        "mfa-participant@example.org", ["participant"], mfa=True, first_name="Mo", last_name="Fa"
    )
    with fake_providers():
        with time_machine.travel(END, tick=False):
            enrollment = open_enrollment(user)
            fill_checklist(user, enrollment, date(2026, 2, 1))
            checklist = checklist_for(enrollment)
            with pytest.raises(ValidationError) as exc:
                _sign(user, checklist)
            assert "mfa_code" in exc.value.message_dict
        signed = _sign(user, checklist, mfa_code=totp_code(user), as_of=date(2027, 1, 2))
    assert signed.status == ChecklistStatus.SIGNED


def test_it_refuses_to_sign_an_incomplete_checklist(cast: Any) -> None:
    checklist = checklist_for(open_enrollment(cast.participant))
    with pytest.raises(DomainError, match="not met"):
        _sign(cast.participant, checklist)


def test_only_the_participant_signs(cast: Any, ready: Checklist) -> None:
    with pytest.raises(NotAllowed):
        _sign(cast.staff, ready)


def test_services_refuse_changes_to_a_signed_checklist(cast: Any, ready: Checklist) -> None:
    _sign(cast.participant, ready)
    requirement = ChecklistRequirement.objects.get(checklist=ready, code="core_series")
    entry = ChecklistEntry.objects.filter(requirement=requirement).first()
    with pytest.raises(DomainError, match="signed"):
        entry_undo(actor=cast.participant, entry=entry)
    readings = ChecklistRequirement.objects.get(checklist=ready, code="readings")
    ChecklistEntry.objects.filter(requirement=readings)
    with pytest.raises(DomainError, match="signed"):
        entry_record(actor=cast.participant, requirement=requirement, number=1, completed_on=date(2026, 2, 1))
    assert ChecklistEntry.objects.filter(pk=entry.pk).exists()


def _refused(fn: Any) -> None:
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        fn()


def test_the_database_refuses_edits_to_a_signed_checklist(cast: Any, ready: Checklist) -> None:
    _sign(cast.participant, ready)
    requirement = ChecklistRequirement.objects.get(checklist=ready, code="core_series")
    entry = ChecklistEntry.objects.filter(requirement=requirement).first()
    _refused(lambda: ChecklistEntry.objects.filter(pk=entry.pk).update(completed_on=date(2026, 1, 1)))
    _refused(lambda: ChecklistEntry.objects.filter(pk=entry.pk).delete())
    _refused(
        lambda: ChecklistEntry.objects.create(
            requirement=requirement, number=99, completed_on=date(2026, 1, 1), recorded_by=cast.participant
        )
    )
    _refused(lambda: ChecklistRequirement.objects.filter(pk=requirement.pk).update(target=1))
    _refused(lambda: Checklist.objects.filter(pk=ready.pk).update(signed_name="Someone Else"))
    _refused(lambda: Checklist.objects.filter(pk=ready.pk).update(status=ChecklistStatus.OPEN))
    _refused(lambda: Checklist.objects.filter(pk=ready.pk).update(content_hash="0" * 64))
    # Staff review is the one change the database lets through.
    checklist_review(actor=cast.staff, checklist=ready, decision="verify")
    _refused(lambda: Checklist.objects.filter(pk=ready.pk).update(review_comment="changed later"))


def test_the_database_allows_changes_before_signing(cast: Any, ready: Checklist) -> None:
    requirement = ChecklistRequirement.objects.get(checklist=ready, code="core_series")
    assert ChecklistEntry.objects.filter(requirement=requirement, number=1).update(note="fine") == 1


def _without_triggers(fn: Any) -> None:
    """Tamper the way an attacker with database access would: triggers off, change, triggers on."""
    from importlib import import_module

    migration = import_module("requirements_tracking.migrations.0002_signed_checklist_triggers")

    class Editor:  # the two things the migration's functions use, inside the test's transaction
        def __init__(self) -> None:
            self.connection = connection

        def execute(self, sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.remove(None, Editor())
    try:
        fn()
    finally:
        migration.install(None, Editor())


def test_the_integrity_check_detects_tampering(cast: Any, ready: Checklist) -> None:
    _sign(cast.participant, ready)
    assert verify_integrity(ready).intact
    requirement = ChecklistRequirement.objects.get(checklist=ready, code="core_series")
    _without_triggers(
        lambda: ChecklistEntry.objects.filter(requirement=requirement, number=3).update(
            completed_on=date(2026, 1, 9)
        )
    )
    report = verify_integrity(ready)
    assert not report.intact and report.computed_hash != report.stored_hash
    client = cast.client_for("staff")
    page = client.get(reverse("requirements_tracking:checklist_integrity", args=[ready.pk]))
    assert b"Not intact" in page.content


def test_the_integrity_check_detects_a_swapped_evidence_file(cast: Any, ready: Checklist) -> None:
    _sign(cast.participant, ready)
    entry = ChecklistEntry.objects.exclude(evidence="").get(requirement__checklist=ready)
    with open(entry.evidence.path, "wb") as fh:
        fh.write(PDF + b"changed")
    report = verify_integrity(ready)
    assert not report.intact and report.evidence_problems


def test_staff_verify_a_signed_checklist(cast: Any, ready: Checklist) -> None:
    _sign(cast.participant, ready)
    response = cast.client_for("staff").post(
        reverse("requirements_tracking:checklist_review", args=[ready.pk]), {"decision": "verify"}
    )
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == ChecklistStatus.VERIFIED and ready.reviewed_by == cast.staff


def test_returning_keeps_the_signed_version_and_opens_a_new_one(cast: Any, ready: Checklist) -> None:
    _sign(cast.participant, ready)
    signed_hash = Checklist.objects.get(pk=ready.pk).content_hash
    with pytest.raises(ValidationError):
        checklist_review(actor=cast.staff, checklist=ready, decision="return", comment="")
    checklist_review(
        actor=cast.staff, checklist=ready, decision="return", comment="Session 3 date looks wrong"
    )
    old = Checklist.objects.get(pk=ready.pk)
    assert old.status == ChecklistStatus.RETURNED and old.content_hash == signed_hash
    assert verify_integrity(old).intact
    new = checklist_for(ready.enrollment)
    assert new.version == 2 and new.status == ChecklistStatus.OPEN
    assert ChecklistEntry.objects.filter(requirement__checklist=new).count() == (
        ChecklistEntry.objects.filter(requirement__checklist=old).count()
    )
    # The participant can correct the new version.
    entry = ChecklistEntry.objects.filter(requirement__checklist=new, requirement__code="core_series").first()
    entry_undo(actor=cast.participant, entry=entry)


def test_the_signed_checklist_downloads_as_a_pdf(cast: Any, ready: Checklist) -> None:
    _sign(cast.participant, ready)
    response = cast.client_for("participant").get(
        reverse("requirements_tracking:checklist_pdf", args=[ready.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_signing_through_the_page(cast: Any, ready: Checklist) -> None:
    client = cast.client_for("participant")
    url = reverse("requirements_tracking:checklist_sign", args=[ready.pk])
    with time_machine.travel(END, tick=False):
        page = client.get(url)
        assert b"I attest that" in page.content
        wrong = client.post(
            url, {"attestation_version": 1, "attest": "on", "full_name": "Nobody", "password": PASSWORD}
        )
        assert wrong.status_code == 200 and b"Type your full name exactly" in wrong.content
        ok = client.post(
            url,
            {"attestation_version": 1, "attest": "on", "full_name": "pat  participant", "password": PASSWORD},
            HTTP_USER_AGENT="Browser/1.0",
        )
    assert ok.status_code == 302
    ready.refresh_from_db()
    assert ready.status == ChecklistStatus.SIGNED and ready.signed_user_agent == "Browser/1.0"
    assert ready.signed_ip == "127.0.0.1"


def test_the_page_and_the_api_refuse_changes_to_a_signed_checklist(cast: Any, ready: Checklist) -> None:
    _sign(cast.participant, ready)
    requirement = ChecklistRequirement.objects.get(checklist=ready, code="core_series")
    entry = ChecklistEntry.objects.filter(requirement=requirement).first()
    before = ChecklistEntry.objects.filter(requirement__checklist=ready).count()
    client = cast.client_for("participant")
    page = client.post(reverse("requirements_tracking:entry_undo", args=[entry.pk]), follow=True)
    assert b"This checklist is signed and can no longer change" in page.content
    api = client.post(reverse("api:requirements-entry-undo", args=[entry.pk]))
    assert api.status_code == 409 and api.json()["error"]["code"] == "checklist_signed"
    again = client.post(
        reverse("api:requirements-checklist-sign", args=[ready.pk]),
        {"full_name": "Pat Participant", "password": PASSWORD, "attestation_version": 1},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert ChecklistEntry.objects.filter(requirement__checklist=ready).count() == before


def test_a_registered_reader_rule_lets_a_mentor_read_but_not_change(cast: Any, ready: Checklist) -> None:
    from requirements_tracking import access

    url = reverse("requirements_tracking:checklist_detail", args=[ready.pk])
    assert cast.client_for("mentor").get(url).status_code == 404
    saved = list(access.CHECKLIST_READERS)
    access.register_checklist_readers(lambda user: [cast.participant.pk] if user == cast.mentor else [])
    try:
        assert cast.client_for("mentor").get(url).status_code == 200
        assert cast.client_for("other_mentor").get(url).status_code == 404
        entry = ChecklistEntry.objects.filter(requirement__checklist=ready).first()
        undo = cast.client_for("mentor").post(reverse("requirements_tracking:entry_undo", args=[entry.pk]))
        assert undo.status_code == 403
    finally:
        access.CHECKLIST_READERS[:] = saved


def test_signing_stops_after_repeated_wrong_passwords(cast: Any, ready: Checklist) -> None:
    from requirements_tracking.services import REAUTH_FAILURE_LIMIT

    for _ in range(REAUTH_FAILURE_LIMIT):
        with pytest.raises(ValidationError):
            _sign(cast.participant, ready, password="guess")
    with pytest.raises(DomainError, match="Too many wrong attempts"):
        _sign(cast.participant, ready)  # even the right password waits
    ready.refresh_from_db()
    assert ready.status == ChecklistStatus.OPEN
