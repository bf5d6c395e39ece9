"""Demo data: a certificate for each demo participant whose Phase I (or II, or Re-Certification)
staff have approved as completed. Runs last (certificates is the last app), so the enrollment demo
has made those completions already. Idempotent."""

from __future__ import annotations

from typing import Any

from accounts.models import User

from .selectors import issuable_enrollments
from .services import certificate_issue

DEMO_ISSUER = "admin@example.org"
DEMO_DOMAIN = "@example.org"


def seed(out: Any = None) -> None:
    admin = User.objects.filter(email=DEMO_ISSUER).first()
    if admin is None:
        return
    for enrollment in issuable_enrollments().filter(participant__email__endswith=DEMO_DOMAIN):
        certificate = certificate_issue(actor=admin, enrollment=enrollment)
        if out is not None:
            out.write(f"  certificate {certificate.number} for {certificate.legal_name}")
