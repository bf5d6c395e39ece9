from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from simple_history.models import HistoricalRecords

TIME_ZONE_CHOICES = [(tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: participant, mentor, trainer, staff or admin (roles are groups)."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)
    time_zone = models.CharField(
        max_length=64, choices=TIME_ZONE_CHOICES, default=settings.DEFAULT_USER_TIME_ZONE
    )
    # Rotated whenever the account's security changes (MFA added or removed, staff deactivation):
    # it is part of the session hash, so every other session ends.
    security_stamp = models.CharField(max_length=32, default=new_security_stamp, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc,assignment]
    history = HistoricalRecords(excluded_fields=["password", "security_stamp", "last_login"])

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email

    def get_session_auth_hash(self) -> str:
        key_salt = "nmt_cert.accounts.User.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}:{self.security_stamp}", algorithm="sha256").hexdigest()

    def rotate_security_stamp(self) -> None:
        self.security_stamp = new_security_stamp()
        self.save(update_fields=["security_stamp"])


class AuditEntry(models.Model):
    """One row per change made through a service: who did what to which record, when and why.

    Model field history (django-simple-history) says *what* the fields were; this says *why*.

    The log is history, written in bulk by the daily rule job (thousands of rows in a catch-up run):
    like simple-history's tables, its references carry no database foreign-key constraint (each one
    cost a per-row check at commit and a lock on the referenced row), and labels keep who and what
    when the row referred to goes away; Django still applies SET_NULL when a user is deleted. Its
    indexes are the ones its readers use, and no more (each is a write per row): time (the newest
    first), the participant concerned (their record), the object (by id, with or without its type),
    and the person who acted, for the rows a person wrote (the system's many rows are left out).
    Action and label filters are substring searches, which no b-tree index serves.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the partial index in Meta
    )
    actor_label = models.CharField(max_length=200, blank=True, help_text="Who, kept if the user goes away")
    action = models.CharField(max_length=100)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, db_constraint=False, db_index=False
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    # The participant the change concerns, so their record can show it in one query.
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["target_id", "target_type"], name="auditentry_target"),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="auditentry_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action} {self.target_label}"


class ApiToken(models.Model):
    """A bearer token for /api/v1/. Only a SHA-256 of the secret is stored; the secret is shown once."""

    class Scope(models.TextChoices):
        PERSONAL = "personal", "Personal: acts as its owner"
        METRICS = "metrics", "Integration: NMT metrics tool endpoints only"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.PERSONAL)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["personal", "metrics"]), name="apitoken_scope_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class CalendarFeedToken(models.Model):
    """The secret in a user's private ICS feed URL; revoking it makes a new one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"
