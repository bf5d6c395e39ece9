"""CSV import of existing records: the dry run explains each bad row; the commit is all or nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from accounts.roles import has_role
from enrollment import selectors, services
from enrollment.models import Enrollment, EnrollmentStatus, ImportBatch, Invoice

pytestmark = pytest.mark.django_db

GOOD = """email,legal_name,phase,start_date,end_date,free_extension_months,status,fees_paid,organization
jo@example.org,Jo Example,phase1,2025-06-01,,2,free_extension,4000,Riverbend
kim@example.org,Kim Sample,Phase II/TTT,2025-01-31,,,active,1000,
kim@example.org,Kim Sample,phase1,2023-01-15,2024-01-15,,completed,4000,
"""


def test_a_dry_run_writes_nothing_and_the_commit_creates_every_row(cast: Any) -> None:
    preview = services.import_preview(text=GOOD)
    assert preview.ok and len(preview.rows) == 3
    assert not User.objects.filter(email__in=["jo@example.org", "kim@example.org"]).exists()
    services.import_commit(actor=cast.staff, text=GOOD)
    jo = User.objects.get(email="jo@example.org")
    assert has_role(jo, "participant") and jo.profile.organization.name == "Riverbend"
    e = Enrollment.objects.get(participant=jo)
    assert e.imported and e.status == EnrollmentStatus.FREE_EXTENSION
    assert e.term_end == date(2026, 6, 1) and e.extension_end == date(2026, 8, 1)
    assert selectors.participant_balance(jo) == Decimal("0.00")
    kim = User.objects.get(email="kim@example.org")
    phases = list(
        Enrollment.objects.filter(participant=kim).order_by("start_date").values_list("phase", "status")
    )
    assert phases == [("phase1", "completed"), ("phase2", "active")]
    phase2 = Enrollment.objects.get(participant=kim, phase="phase2")
    assert phase2.previous.phase == "phase1" and phase2.term_end == date(2027, 1, 31)
    assert selectors.participant_balance(kim) == Decimal("3500.00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email,legal_name,phase\nx@example.org,X,phase1\n", "lacks the column: start_date"),
        ("email,phase\n", "lacks the columns: legal_name, start_date"),
        ("", "empty"),
        ("email,legal_name,phase,start_date\n", "no rows"),
    ],
)
def test_file_level_problems_are_explained(text: str, message: str) -> None:
    preview = services.import_preview(text=text)
    assert not preview.ok and message in " ".join(preview.file_errors)


def test_one_bad_row_means_nothing_is_imported(cast: Any) -> None:
    text = GOOD + (
        "bad@example.org,Bad Row,phase1,2025-13-01,,,,,\n"
        "late@example.org,Late,phase1,2025-06-01,2025-05-01,,,,\n"
        "far@example.org,Far,phase1,2025-06-01,,9,,,\n"
        "money@example.org,Money,phase1,2025-06-01,,,,-5,\n"
        "not-an-email,Nobody,phase3,2025-06-01,,,sleeping,,\n"
    )
    preview = services.import_preview(text=text)
    errors = {r.line: " ".join(r.errors) for r in preview.rows if r.errors}
    assert "not a date" in errors[5]
    assert "end date must be after the start date" in errors[6]
    assert "beyond the policy's limit of 6" in errors[7]
    assert "more than zero" in errors[8] or "fees_paid" in errors[8]
    assert "not an e-mail" in errors[9] and "phase" in errors[9] and "status" in errors[9]
    with pytest.raises(ValidationError) as exc:
        services.import_commit(actor=cast.staff, text=text)
    assert "Nothing was imported" in exc.value.messages[0]
    assert not User.objects.filter(email="jo@example.org").exists()
    assert not Enrollment.objects.exists() and not Invoice.objects.exists()


def test_a_negative_number_is_refused_with_its_reason(cast: Any) -> None:
    """A negative count of months is reported as such; it used to reach the date arithmetic, where a
    large one (found by the import fuzz test) failed the whole request instead."""
    text = (
        "email,legal_name,phase,start_date,free_extension_months,year_number\n"
        "neg@example.org,Neg,phase1,2024-11-07,-1836425,\n"
        "few@example.org,Few,maintenance,2024-11-07,-1,-3\n"
    )
    preview = services.import_preview(text=text)
    errors = {r.line: " ".join(r.errors) for r in preview.rows if r.errors}
    assert "free_extension_months: cannot be negative." in errors[2]
    assert "free_extension_months: cannot be negative." in errors[3]
    assert "year_number: cannot be negative." in errors[3]
    assert not preview.ok


def test_a_duplicate_open_phase_is_caught_before_commit(cast: Any) -> None:
    services.import_commit(actor=cast.staff, text=GOOD)
    preview = services.import_preview(text=GOOD)
    assert not preview.ok
    assert "already has an open Phase I" in " ".join(preview.rows[0].errors)


def test_the_staff_page_previews_then_commits(cast: Any) -> None:
    client = cast.client_for("staff")
    upload = SimpleUploadedFile("records.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(reverse("enrollment:staff_import"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/staff/import/{batch.pk}/")
    preview = client.get(response["Location"]).content.decode()
    assert "all 3 rows are valid" in preview and not Enrollment.objects.exists()
    client.post(reverse("enrollment:staff_import_commit", args=[batch.pk]))
    assert Enrollment.objects.count() == 3
    batch.refresh_from_db()
    assert batch.committed_at is not None
    client.post(reverse("enrollment:staff_import_commit", args=[batch.pk]))
    assert Enrollment.objects.count() == 3  # a second commit does nothing


def test_the_page_shows_each_bad_row(cast: Any) -> None:
    client = cast.client_for("staff")
    upload = SimpleUploadedFile(
        "bad.csv", b"email,legal_name,phase,start_date\nx@example.org,X,phase1,01/02/2025\n"
    )
    response = client.post(reverse("enrollment:staff_import"), {"file": upload}, follow=True)
    body = response.content.decode()
    assert "1 problem" in body and "is not a date; write YYYY-MM-DD" in body
    batch = ImportBatch.objects.get()
    client.post(reverse("enrollment:staff_import_commit", args=[batch.pk]))
    assert not Enrollment.objects.exists()


def test_the_api_dry_run_and_commit(cast: Any) -> None:
    client = cast.client_for("staff")
    url = reverse("api:enrollment-import")
    dry = client.post(url, {"csv": GOOD}, content_type="application/json")
    assert dry.status_code == 200 and dry.json()["ok"] and not dry.json()["committed"]
    assert not Enrollment.objects.exists()
    bad = client.post(
        url, {"csv": GOOD + "x,,phase1,nope\n", "dry_run": False}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["rows"][3]["errors"]
    assert not Enrollment.objects.exists()
    done = client.post(url, {"csv": GOOD, "dry_run": False}, content_type="application/json")
    assert done.status_code == 201 and done.json()["committed"]
    assert Enrollment.objects.count() == 3
    assert (
        cast.client_for("participant").post(url, {"csv": GOOD}, content_type="application/json").status_code
        == 403
    )
