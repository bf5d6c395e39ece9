"""Demo people for every role (obviously fake). `manage.py seed_demo` calls `seed` of every app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP

from .models import User
from .roles import Role
from .services import user_grant_role

DEMO_PASSWORD = "nmt-demo-2026"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    totp_secret: str | None = None  # staff and admins sign in with MFA
    time_zone: str = "America/New_York"


DEMO_PEOPLE = [
    DemoPerson("participant@example.org", "Pat", "Participant", (Role.PARTICIPANT,)),
    DemoPerson("participant2@example.org", "Quinn", "Sample", (Role.PARTICIPANT,), time_zone="Europe/London"),
    DemoPerson(
        "applicant@example.org", "Avery", "Applicant", (Role.PARTICIPANT,), time_zone="America/Chicago"
    ),
    DemoPerson("mentor@example.org", "Morgan", "Mentor", (Role.MENTOR,), time_zone="America/Denver"),
    DemoPerson(
        "trainer@example.org",
        "Terry",
        "Trainer",
        (Role.TRAINER, Role.PARTICIPANT),
        time_zone="America/Los_Angeles",
    ),
    DemoPerson("staff@example.org", "Sam", "Staff", (Role.STAFF,), totp_secret="JBSWY3DPEHPK3PXPDEMOSTAF"),
    DemoPerson(
        "admin@example.org", "Alex", "Admin", (Role.ADMIN, Role.STAFF), totp_secret="KRUGS4ZANFZSAYLEMLUW4DEM"
    ),
]


def demo_user(email: str) -> User:
    return User.objects.get(email=email)


def seed(out: Any = None) -> None:
    for person in DEMO_PEOPLE:
        user, created = User.objects.get_or_create(
            email=person.email,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "time_zone": person.time_zone,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=person.email, defaults={"verified": True, "primary": True}
        )
        for role in person.roles:
            if not user.groups.filter(name=role).exists():
                user_grant_role(actor=None, user=user, role=role, reason="demo data")
        if (
            person.totp_secret
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, person.totp_secret)
            RecoveryCodes.activate(user)
        if out is not None and created:
            out.write(f"  created {person.email} ({', '.join(str(r) for r in person.roles)})\n")
