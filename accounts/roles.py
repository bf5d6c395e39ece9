"""The five roles of the program, held as Django groups. A user may hold several.

Role checks go through `has_role`, which loads a user's groups once per request-bound user object.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, OuterRef

from .sql import CompiledOnce


class Role(models.TextChoices):
    PARTICIPANT = "participant", "Participant"
    MENTOR = "mentor", "Mentor"
    TRAINER = "trainer", "Trainer"
    STAFF = "staff", "NMN staff"
    ADMIN = "admin", "Admin"


# Django permissions each role's group carries (synced after every migrate; see signals).
# Codenames are "app_label.codename"; ones whose model does not exist yet are skipped.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PARTICIPANT: [],
    Role.MENTOR: [],
    Role.TRAINER: [],
    Role.STAFF: [
        "accounts.view_auditentry",
        "accounts.view_user",
    ],
    Role.ADMIN: [
        "accounts.view_auditentry",
        "accounts.view_user",
        "accounts.change_user",
        "auth.view_group",
        "auth.change_group",
        # Policies are versioned data the admin edits (a version in use is read-only: see enrollment.admin).
        "enrollment.view_programpolicy",
        "enrollment.add_programpolicy",
        "enrollment.change_programpolicy",
        "enrollment.view_phaserule",
        "enrollment.add_phaserule",
        "enrollment.change_phaserule",
        "enrollment.view_organization",
        "enrollment.add_organization",
        "enrollment.change_organization",
        "enrollment.view_participantprofile",
        "enrollment.change_participantprofile",
        "enrollment.view_enrollment",
        "enrollment.view_invoice",
        "enrollment.view_application",
        # Requirement templates, attestation and agreement texts, call series (requirements_tracking.admin);
        # checklists and entries are read-only there.
        "requirements_tracking.view_requirementtemplate",
        "requirements_tracking.add_requirementtemplate",
        "requirements_tracking.change_requirementtemplate",
        "requirements_tracking.view_requirementtemplateitem",
        "requirements_tracking.add_requirementtemplateitem",
        "requirements_tracking.change_requirementtemplateitem",
        "requirements_tracking.delete_requirementtemplateitem",
        "requirements_tracking.view_attestationtext",
        "requirements_tracking.add_attestationtext",
        "requirements_tracking.change_attestationtext",
        "requirements_tracking.view_policyagreement",
        "requirements_tracking.add_policyagreement",
        "requirements_tracking.change_policyagreement",
        "requirements_tracking.view_callseries",
        "requirements_tracking.change_callseries",
        "requirements_tracking.view_calloccurrence",
        "requirements_tracking.change_calloccurrence",
        "requirements_tracking.view_checklist",
        "requirements_tracking.view_checklistentry",
        # Metric reports, the token ledger and fidelity exercises: read-only in the admin (metrics_tokens.admin).
        "metrics_tokens.view_metricreport",
        "metrics_tokens.view_tokenledgerentry",
        "metrics_tokens.view_fidelityexercise",
        "metrics_tokens.view_fidelityassignment",
        # Rule runs, reminders sent, Re-Certification requirements, year-end checks, presentations:
        # read-only in the admin (maintenance.admin); changes go through the maintenance services.
        "maintenance.view_rulerun",
        "maintenance.view_sentreminder",
        "maintenance.view_recertificationrequirement",
        "maintenance.view_yearendcheck",
        "maintenance.view_presentation",
    ],
}

STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


def user_roles(user: Any) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_nmt_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._nmt_roles = cached
    return cached


def _roles_and_mfa_of(pk: int) -> Any:
    return (
        get_user_model()
        .objects.filter(pk=pk)
        .annotate(mfa=Exists(Authenticator.objects.filter(user_id=OuterRef("pk"))))
        .values_list("mfa", "groups__name")
        .order_by()
    )


_ROLES_AND_MFA = CompiledOnce(_roles_and_mfa_of)  # asked on every staff page


def user_roles_and_mfa(user: Any) -> tuple[frozenset[str], bool]:
    """A signed-in user's roles and whether they have multi-factor authentication set up, in one
    query (staff pages need both on every request). MFA counts as allauth's default adapter counts it
    (settings.MFA_ADAPTER): any authenticator of the user. Both are kept for the request, like
    user_roles keeps the roles."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset(), False
    if not hasattr(user, "_nmt_mfa"):
        rows = _ROLES_AND_MFA.rows(user.pk)
        user._nmt_roles = frozenset(name for _mfa, name in rows if name)
        user._nmt_mfa = bool(rows and rows[0][0])
    return user._nmt_roles, user._nmt_mfa


def has_role(user: Any, *roles: str) -> bool:
    return bool(user_roles(user) & {str(r) for r in roles})


def is_staff_member(user: Any) -> bool:
    """NMN staff or admin: admins can do everything staff can."""
    return has_role(user, *STAFF_ROLES)


def is_admin(user: Any) -> bool:
    return has_role(user, Role.ADMIN)


def forget_roles(user: Any) -> None:
    for cached in ("_nmt_roles", "_nmt_mfa"):
        if hasattr(user, cached):
            delattr(user, cached)
