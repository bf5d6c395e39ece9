"""Reading a CSV of existing records (participants mid-phase) into checked rows, without writing.

Columns (header names, any order; extra columns are ignored):
  required: email, legal_name, phase, start_date
  optional: first_name, last_name, status, end_date, free_extension_months, paid_through,
            completed_on, year_number, fees_paid, fee_paid_on, organization, prior_case_based_series
Dates are YYYY-MM-DD. `phase` is phase1, phase2, maintenance, recertification (or their labels);
`status` is active (default), free_extension, awaiting_fee, continuation, renewal_due, completed,
lapsed or withdrawn. `end_date` is the first day after the term (computed from the policy when blank).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.errors import DomainError

from .dates import add_months
from .models import OPEN_STATUSES, Enrollment, EnrollmentStatus, ParticipantProfile, Phase
from .services.core import policy_for
from .services.fees import parse_amount

REQUIRED_COLUMNS = ("email", "legal_name", "phase", "start_date")
OPTIONAL_COLUMNS = (
    "first_name",
    "last_name",
    "status",
    "end_date",
    "free_extension_months",
    "paid_through",
    "completed_on",
    "year_number",
    "fees_paid",
    "fee_paid_on",
    "organization",
    "prior_case_based_series",
)
IMPORTABLE_STATUSES = tuple(s for s in EnrollmentStatus.values if s != EnrollmentStatus.PENDING)
MAX_ROWS = 5000
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
MAX_MONTHS = 60  # as the pages' extension forms
MAX_YEAR_NUMBER = 100  # Maintenance years
NUL_IN_FILE = "The file contains NUL characters: it is not a CSV text file (save it as CSV UTF-8)."
_PHASES = {**{p.value: p.value for p in Phase}, **{p.label.lower(): p.value for p in Phase}}
_TRUE = {"1", "yes", "true", "y", "x"}


@dataclass
class Row:
    line: int
    raw: dict[str, str]
    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    new_participant: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    rows: list[Row] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(1 for r in self.rows if r.errors)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and bool(self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "row_count": len(self.rows),
            "error_count": self.error_count,
            "file_errors": self.file_errors,
            "rows": [
                {
                    "line": r.line,
                    "email": r.raw.get("email", ""),
                    "phase": r.values.get("phase", r.raw.get("phase", "")),
                    "status": r.values.get("status", ""),
                    "start_date": _iso(r.values.get("start_date")),
                    "term_end": _iso(r.values.get("term_end")),
                    "new_participant": r.new_participant,
                    "errors": r.errors,
                }
                for r in self.rows
            ],
        }


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else ""


def _date(row: Row, name: str, *, required: bool = False) -> date | None:
    text = (row.raw.get(name) or "").strip()
    if not text:
        if required:
            row.errors.append(f"{name}: required.")
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        row.errors.append(f"{name}: “{text}” is not a date; write YYYY-MM-DD.")
        return None
    # Terms and extensions are counted on from these dates: a year like 9999 would overflow.
    if not EARLIEST <= value <= LATEST:
        row.errors.append(f"{name}: {text} is not between {EARLIEST.year} and {LATEST.year}.")
        return None
    return value


def _int(row: Row, name: str, default: int, maximum: int) -> int:
    text = (row.raw.get(name) or "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        row.errors.append(f"{name}: “{text}” is not a whole number.")
        return default
    if value < 0:
        row.errors.append(f"{name}: cannot be negative.")
        return default  # the row is refused; the checks after this one work with a sane number
    if value > maximum:
        row.errors.append(f"{name}: at most {maximum}.")
        return default
    return value


def _check_row(row: Row) -> None:
    raw, v = row.raw, row.values
    email = (raw.get("email") or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        row.errors.append(f"email: “{email}” is not an e-mail address.")
    v["email"] = email
    v["legal_name"] = (raw.get("legal_name") or "").strip()
    if not v["legal_name"]:
        row.errors.append("legal_name: required.")
    # What the tables hold: a longer value would pass the preview and then fail the commit.
    for name, model in (("email", get_user_model()), ("legal_name", ParticipantProfile)):
        limit = getattr(model._meta.get_field(name), "max_length", None)
        if limit and len(v[name]) > limit:
            row.errors.append(f"{name}: at most {limit} characters.")
    phase = _PHASES.get((raw.get("phase") or "").strip().lower())
    if phase is None:
        row.errors.append(f"phase: “{raw.get('phase', '')}” is not one of {', '.join(Phase.values)}.")
    v["phase"] = phase
    status = (raw.get("status") or "").strip().lower() or EnrollmentStatus.ACTIVE
    if status not in IMPORTABLE_STATUSES:
        row.errors.append(f"status: “{status}” is not one of {', '.join(IMPORTABLE_STATUSES)}.")
    v["status"] = status
    start = _date(row, "start_date", required=True)
    end = _date(row, "end_date")
    v["start_date"] = start
    v["paid_through"] = _date(row, "paid_through")
    v["completed_on"] = _date(row, "completed_on")
    v["fee_paid_on"] = _date(row, "fee_paid_on")
    v["free_extension_months"] = _int(row, "free_extension_months", 0, maximum=MAX_MONTHS)
    v["year_number"] = _int(row, "year_number", 1, maximum=MAX_YEAR_NUMBER) or 1
    v["organization"] = (raw.get("organization") or "").strip()[:200]
    v["prior_case_based_series"] = (raw.get("prior_case_based_series") or "").strip().lower() in _TRUE
    v["first_name"] = (raw.get("first_name") or "").strip()[:150]
    v["last_name"] = (raw.get("last_name") or "").strip()[:150]
    try:
        v["fees_paid"] = parse_amount(raw.get("fees_paid") or "0", field="fees_paid", allow_zero=True)
    except ValidationError as exc:
        v["fees_paid"] = Decimal("0")
        row.errors.extend(f"fees_paid: {m}" for m in exc.messages)
    if start is None or phase is None:
        return
    try:
        policy = policy_for(start)
    except DomainError as exc:
        row.errors.append(exc.message)
        return
    rule = policy.rule(phase)
    v["policy"] = policy
    v["term_end"] = end or add_months(start, rule.term_months)
    if v["term_end"] <= start:
        row.errors.append("end_date: the end date must be after the start date.")
    if v["free_extension_months"] > rule.free_extension_months:
        row.errors.append(
            f"free_extension_months: {v['free_extension_months']} is beyond the policy's limit of "
            f"{rule.free_extension_months} for {Phase(phase).label}."
        )
    v["extension_end"] = (
        add_months(start, rule.term_months + v["free_extension_months"])
        if v["free_extension_months"]
        else None
    )
    if v["paid_through"] is not None and v["paid_through"] <= start:
        row.errors.append("paid_through: must be after the start date.")
    if v["fees_paid"] > rule.fee:
        row.errors.append(f"fees_paid: more than the {Phase(phase).label} fee (${rule.fee}).")
    if v["completed_on"] is not None and v["completed_on"] < start:
        row.errors.append("completed_on: cannot be before the start date.")
    if status == EnrollmentStatus.COMPLETED and v["completed_on"] is None:
        v["completed_on"] = v["term_end"]


def parse(text: str) -> Preview:
    """Check every row; reads the database (existing people and enrollments) but writes nothing."""
    preview = Preview()
    text = (text or "").lstrip("\ufeff")
    if not text.strip():
        preview.file_errors.append("The file is empty.")
        return preview
    if "\x00" in text:  # a binary file, or UTF-16 read as UTF-8; PostgreSQL cannot hold a NUL either
        preview.file_errors.append(NUL_IN_FILE)
        return preview
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        preview.file_errors.append(f"The file is not a readable CSV: {exc}.")
        return preview
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        preview.file_errors.append(
            f"The CSV lacks the column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            f"Required: {', '.join(REQUIRED_COLUMNS)}."
        )
        return preview
    reader.fieldnames = header
    try:
        for number, raw in enumerate(reader, start=2):
            if number - 1 > MAX_ROWS:
                preview.file_errors.append(f"At most {MAX_ROWS} rows per file.")
                break
            if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
                continue
            row = Row(line=number, raw={k: (v if isinstance(v, str) else "") for k, v in raw.items() if k})
            _check_row(row)
            preview.rows.append(row)
    except csv.Error as exc:
        preview.file_errors.append(f"The file is not a readable CSV: {exc}.")
        return preview
    if not preview.rows and not preview.file_errors:
        preview.file_errors.append("The file has a header but no rows.")
    _check_across_rows(preview)
    return preview


def _check_across_rows(preview: Preview) -> None:
    emails = {r.values.get("email") for r in preview.rows}
    User = get_user_model()
    existing = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
    open_pairs = set(
        Enrollment.objects.filter(
            participant__email__in=emails, status__in=sorted(OPEN_STATUSES)
        ).values_list("participant__email", "phase")
    )
    seen_open: dict[tuple[str, str], int] = {}
    for row in preview.rows:
        email: str = row.values.get("email") or ""
        phase: str | None = row.values.get("phase")
        row.new_participant = email not in existing
        if not phase:
            continue
        if row.values.get("status") in OPEN_STATUSES:
            if (email, phase) in open_pairs:
                row.errors.append(f"{email} already has an open {Phase(phase).label} enrollment here.")
            if (email, phase) in seen_open:
                row.errors.append(
                    f"Line {seen_open[(email, phase)]} already opens {Phase(phase).label} for {email}."
                )
            seen_open[(email, phase)] = row.line
