"""Demo data of the maintenance app (runs after enrollment's; idempotent).

- renewal@example.org (password as every demo account): in Maintenance year 2, which ends in 25 days,
  so the renewal is open and the 30-day reminder was sent.
- Two Riverbend clinicians (no sign-in): one whose Maintenance lapsed (Re-Certification required), one
  whose year ended with requirements unmet (flagged for a staff decision).
- trainer@example.org: a presentation awaiting review, one approved, one delivered.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, demo_user
from accounts.models import User
from accounts.roles import Role
from accounts.services import user_grant_role
from enrollment.dates import add_months
from enrollment.models import Enrollment, EnrollmentStatus, Phase
from enrollment.services import enrollment_change_status, enrollment_open

from .models import Presentation, PresentationStatus, ReminderKind, SentReminder, YearEndCheck
from .reminders import render_reminder

RENEWAL_EMAIL = "renewal@example.org"
DEMO_PDF = b"%PDF-1.4\n% NMT demo slides\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _person(email: str, first: str, last: str, *, can_sign_in: bool) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last, "time_zone": "America/New_York"}
    )
    if created:
        if can_sign_in:
            user.set_password(DEMO_PASSWORD)
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
        user_grant_role(actor=None, user=user, role=Role.PARTICIPANT, reason="demo data")
    return user


def _maintenance_years(user: User, first_start: Any, years: int) -> Enrollment:
    """Maintenance years 1..years from first_start, all but the last completed (renewed on time)."""
    previous = None
    for n in range(1, years + 1):
        start = add_months(first_start, 12 * (n - 1))
        year = enrollment_open(
            actor=None,
            participant=user,
            phase=Phase.MAINTENANCE,
            start_date=start,
            previous=previous,
            year_number=n,
            reason="demo data",
        )
        if n < years:
            enrollment_change_status(
                actor=None,
                enrollment=year,
                new_status=EnrollmentStatus.COMPLETED,
                reason="demo data: renewed",
                on=year.term_end,
            )
        previous = year
    assert previous is not None
    return previous


def seed(out: Any = None) -> None:
    today = timezone.localdate()

    robin = _person(RENEWAL_EMAIL, "Robin", "Renewal", can_sign_in=True)
    if not Enrollment.objects.filter(participant=robin).exists():
        phase1 = enrollment_open(
            actor=None,
            participant=robin,
            phase=Phase.PHASE_1,
            start_date=add_months(today, -36),
            reason="demo data",
        )
        enrollment_change_status(
            actor=None,
            enrollment=phase1,
            new_status=EnrollmentStatus.COMPLETED,
            reason="demo data",
            on=phase1.term_end - timedelta(days=20),
        )
        # Year 2 ends 25 days from today.
        first_start = add_months(today + timedelta(days=25), -24)
        year2 = _maintenance_years(robin, first_start, 2)
        reminder = SentReminder.objects.create(
            participant=robin,
            enrollment=year2,
            kind=ReminderKind.MAINTENANCE_RENEWAL,
            deadline=year2.term_end,
            days_before=30,
            claim="demo",
        )
        reminder.subject, reminder.body_text, _ = render_reminder(reminder)
        reminder.sent_at = timezone.now() - timedelta(days=5)
        reminder.save(update_fields=["subject", "body_text", "sent_at"])

    lapsed = _person("riverbend-lapsed@example.org", "Lee", "Lapsed", can_sign_in=False)
    if not Enrollment.objects.filter(participant=lapsed).exists():
        year = _maintenance_years(lapsed, add_months(today, -26), 1)
        enrollment_change_status(
            actor=None,
            enrollment=year,
            new_status=EnrollmentStatus.RENEWAL_DUE,
            reason="demo data",
            rule="maintenance_year_ended",
        )
        enrollment_change_status(
            actor=None,
            enrollment=year,
            new_status=EnrollmentStatus.LAPSED,
            reason="demo data",
            rule="maintenance_lapsed",
            on=add_months(year.term_end, 12),
        )

    flagged = _person("riverbend-flagged@example.org", "Frankie", "Flagged", can_sign_in=False)
    if not Enrollment.objects.filter(participant=flagged).exists():
        year = _maintenance_years(flagged, add_months(today, -13), 1)
        problems = ["Fidelity Exercise: not submitted", "Metric reports: 2 of 5"]
        enrollment_change_status(
            actor=None,
            enrollment=year,
            new_status=EnrollmentStatus.RENEWAL_DUE,
            reason="demo data",
            rule="maintenance_year_ended",
            extra_fields={
                "flagged_for_review": True,
                "flag_reason": "Maintenance year requirements not met: " + "; ".join(problems),
            },
        )
        YearEndCheck.objects.create(
            enrollment=year, checked_on=year.term_end, problems=problems, evaluated_at=timezone.now()
        )

    trainer = demo_user("trainer@example.org")
    if not Presentation.objects.filter(trainer=trainer).exists():
        plans = [
            (
                "How the brain develops: NMT core concepts",
                "School counselors",
                21,
                "Lakeside School District",
                PresentationStatus.SUBMITTED,
            ),
            (
                "Regulation first: an introduction for foster parents",
                "Foster and adoptive parents",
                45,
                "Online",
                PresentationStatus.APPROVED,
            ),
            (
                "Sequence of engagement for clinic staff",
                "Community clinic staff",
                -30,
                "Northside Family Services",
                PresentationStatus.DELIVERED,
            ),
        ]
        staff = User.objects.filter(email="staff@example.org").first()
        for title, audience, days, venue, status in plans:
            p = Presentation(
                trainer=trainer,
                title=title,
                audience=audience,
                planned_on=today + timedelta(days=days),
                venue=venue,
                slides_name="slides.pdf",
                status=status,
            )
            p.slides.save("slides.pdf", ContentFile(DEMO_PDF), save=False)
            if status != PresentationStatus.SUBMITTED:
                p.reviewed_by, p.reviewed_at = staff, timezone.now() - timedelta(days=10)
                p.review_comments = "Clear and within scope (core concepts only). Approved."
            if status == PresentationStatus.DELIVERED:
                p.delivered_on, p.attendees = p.planned_on, 32
            p.save()

    if out is not None:
        out.write(
            f"  maintenance: {Enrollment.objects.filter(phase=Phase.MAINTENANCE).count()} Maintenance years, "
            f"{Presentation.objects.count()} presentations\n"
        )
