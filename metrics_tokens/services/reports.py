"""Recording metric reports: validation, the enrollment a report counts toward, and the token it costs."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enrollment.selectors import enrolled_enrollment

from ..models import CLIENT_REPORT_TYPES, MetricReport, ReportSource, ReportType
from . import fidelity, tokens
from .tokens import NoAccess

CLIENT_CODE_HELP = (
    "A pseudonymous code you keep for this client (letters, digits and - _ . /, with at least one digit, "
    "no spaces), e.g. C-0142. Never the client's name, initials with a birth date, or an e-mail address."
)
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{1,39}$")
_EMAILISH = re.compile(r"@|\b[\w.-]+\.(com|org|net|edu|gov|io)\b", re.IGNORECASE)


def client_code_problem(code: str) -> str | None:
    """Why `code` could identify a person (a name, an e-mail), or None when it looks pseudonymous."""
    if _EMAILISH.search(code):
        return "This looks like an e-mail address. Use a pseudonymous code such as C-0142."
    if re.search(r"\s", code):
        return "No spaces: a code with spaces looks like a name. Use a pseudonymous code such as C-0142."
    if not _CODE_SHAPE.match(code):
        return "Use 2 to 40 letters, digits or - _ . / only, e.g. C-0142."
    if not re.search(r"\d", code):
        return "A code without digits looks like a name. Add digits, e.g. C-0142."
    return None


def clean_client_code(report_type: str, code: str) -> str:
    code = (code or "").strip()
    if report_type in CLIENT_REPORT_TYPES and not code:
        raise ValidationError({"client_code": ["A client report needs the client's pseudonymous code."]})
    if code:
        problem = client_code_problem(code)
        if problem:
            raise ValidationError({"client_code": [problem]})
    return code


def local_today(user: Any) -> date:
    try:
        zone = ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except Exception:  # an unknown zone name: fall back to the server's day
        zone = ZoneInfo("UTC")
    return timezone.localdate(timezone=zone)


@transaction.atomic
def report_record(
    *,
    actor: Any,
    participant: Any,
    report_type: str,
    report_date: date,
    client_code: str = "",
    source: str = ReportSource.PARTICIPANT,
    external_id: str = "",
) -> MetricReport:
    """Record that `participant` completed a report. It counts toward their enrolled enrollment and,
    where tokens are limited (Maintenance, Re-Certification), spends one token. Without an enrolled
    enrollment, or without a token left, nothing is recorded."""
    errors: dict[str, list[str]] = {}
    if report_type not in ReportType.values:
        errors["report_type"] = [
            f"Unknown report type “{report_type}”. Choose one of: {', '.join(ReportType.values)}."
        ]
    if source not in ReportSource.values:
        errors["source"] = ["Unknown source."]
    if not isinstance(report_date, date):
        errors["report_date"] = ["Give the report's date."]
    elif report_date > local_today(participant):
        errors["report_date"] = ["A report cannot be dated in the future."]
    try:
        client_code = clean_client_code(report_type, client_code)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    enrollment = enrolled_enrollment(participant)
    if enrollment is None:
        raise NoAccess(
            f"{participant} is not enrolled in a training phase or Maintenance, so the metric tools "
            "are not available to them."
        )
    if report_date < enrollment.start_date:
        raise ValidationError(
            {
                "report_date": [
                    f"The report predates the current enrollment (started {enrollment.start_date:%Y-%m-%d})."
                ]
            }
        )
    needs_token = tokens.tokens_needed(enrollment)
    account, balance = None, None
    if needs_token:
        account, balance = tokens.lock_and_check_balance(participant)  # locked until commit
    report = MetricReport.objects.create(
        participant=participant,
        enrollment=enrollment,
        report_type=report_type,
        report_date=report_date,
        client_code=client_code,
        source=source,
        external_id=(external_id or "")[:100],
        token_required=needs_token,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if needs_token:
        tokens.tokens_consume_for_report(report=report, actor=actor, account=account)
        report.balance_after = balance - 1  # type: ignore[attr-defined,operator]
    if report_type == ReportType.FIDELITY:
        fidelity.fidelity_submit(report=report)
    return report
