"""The participant record: everything the program holds about one participant, in sections whose
query counts do not depend on how many rows each holds. The page loads the main section at once and
the others as htmx partials, so no request goes past the page budget of 15 queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.http import Http404

from accounts.models import AuditEntry
from certificates.models import Certificate
from enrollment.models import (
    Application,
    Enrollment,
    ExtensionRequest,
    Invoice,
    ParticipantProfile,
    Payment,
    TransitionRequest,
    Waiver,
)
from enrollment.selectors import invoices_with_balance
from maintenance.models import SentReminder
from metrics_tokens.models import FidelityAssignment, MetricReport, TokenLedgerEntry
from metrics_tokens.selectors import FIDELITY_LABELS, assignment_status
from requirements_tracking.selectors import progress_for_enrollments
from study_groups.models import Attendance, Membership

from .models import EvidencePackJob, StaffReminder
from .search import participants_base

SECTIONS = ("progress", "activity", "fees", "history")
AUDIT_LIMIT = 300
HISTORY_LIMIT = 200


def get_participant(pk: int) -> Any:
    """A participant (role or profile) for staff; anyone else's id answers 404."""
    found = participants_base().filter(pk=pk).first()
    if found is None:
        raise Http404("No such participant.")
    return found


def _profile(user: Any) -> ParticipantProfile | None:
    try:
        return user.profile  # loaded by participants_base's select_related
    except ParticipantProfile.DoesNotExist:
        return None


def main_section(user: Any) -> dict[str, Any]:
    """Profile, enrollments on a timeline with their requests, certificates, evidence packs."""
    profile = _profile(user)
    licenses = list(profile.licenses.all()) if profile else []
    degrees = list(profile.degrees.all()) if profile else []
    enrollments = list(
        Enrollment.objects.filter(participant=user).select_related("policy").order_by("start_date", "id")
    )
    transitions = list(
        TransitionRequest.objects.filter(enrollment__participant=user).select_related("decided_by")
    )
    extensions = list(
        ExtensionRequest.objects.filter(enrollment__participant=user).select_related("decided_by")
    )
    applications = list(Application.objects.filter(participant=user).select_related("decided_by"))
    certificates = list(Certificate.objects.filter(participant=user).order_by("issue_date", "id"))
    jobs = list(EvidencePackJob.objects.filter(participant=user).select_related("requested_by")[:5])
    return {
        "profile": profile,
        "licenses": licenses,
        "degrees": degrees,
        "enrollments": enrollments,
        "timeline": timeline(enrollments, applications, transitions, extensions, certificates),
        "certificates": certificates,
        "jobs": jobs,
    }


def timeline(
    enrollments: list[Enrollment],
    applications: list[Application],
    transitions: list[TransitionRequest],
    extensions: list[ExtensionRequest],
    certificates: list[Certificate],
) -> list[dict[str, Any]]:
    """Dated events of the participant's path, oldest first."""
    events: list[dict[str, Any]] = []
    for a in applications:
        events.append(
            {
                "on": a.submitted_at.date(),
                "kind": "application",
                "text": f"Applied ({a.get_status_display()})",
            }
        )
        if a.decided_at:
            events.append(
                {
                    "on": a.decided_at.date(),
                    "kind": "decision",
                    "text": f"Application {a.get_status_display().lower()}"
                    + (f": {a.decision_reason}" if a.decision_reason else ""),
                }
            )
    for e in enrollments:
        label = e.get_phase_display() + (f" year {e.year_number}" if e.phase == "maintenance" else "")
        events.append({"on": e.start_date, "kind": "start", "text": f"{label} started", "enrollment": e})
        if e.completed_on:
            events.append({"on": e.completed_on, "kind": "completed", "text": f"{label} completed"})
        elif e.ended_on:
            events.append(
                {"on": e.ended_on, "kind": "ended", "text": f"{label} {e.get_status_display().lower()}"}
            )
        else:
            events.append(
                {"on": e.current_end, "kind": "ends", "text": f"{label} time ends ({e.get_status_display()})"}
            )
    for t in transitions:
        events.append(
            {
                "on": t.requested_at.date(),
                "kind": "request",
                "text": f"Asked to move to {t.get_to_phase_display()} ({t.get_status_display()})",
            }
        )
    for x in extensions:
        events.append(
            {
                "on": x.requested_at.date(),
                "kind": "request",
                "text": f"Asked for {x.months} more month{'s' if x.months != 1 else ''} ({x.get_status_display()})"
                + (f", {x.months_granted} granted" if x.months_granted else ""),
            }
        )
    for c in certificates:
        events.append(
            {
                "on": c.issue_date,
                "kind": "certificate",
                "text": f"Certificate {c.number} issued ({c.get_level_display()})",
            }
        )
    return sorted(events, key=lambda ev: (ev["on"], ev["kind"]))


def progress_section(user: Any, as_of: date) -> dict[str, Any]:
    enrollments = list(
        Enrollment.objects.filter(participant=user).select_related("policy").order_by("-start_date", "-id")
    )
    progress = progress_for_enrollments(enrollments, as_of)
    return {"rows": [(e, progress.get(e.pk)) for e in enrollments]}


def activity_section(user: Any, as_of: date) -> dict[str, Any]:
    memberships = list(
        Membership.objects.filter(participant=user).select_related("group").order_by("-joined_at", "-id")
    )
    attendance = list(
        Attendance.objects.filter(membership__participant=user)
        .select_related("meeting", "meeting__group")
        .order_by("-meeting__starts_at")[:HISTORY_LIMIT]
    )
    by_membership: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in attendance:
        by_membership[a.membership_id][a.status] += 1
    reports = list(
        MetricReport.objects.filter(participant=user).order_by("-report_date", "-id")[:HISTORY_LIMIT]
    )
    entries = list(
        TokenLedgerEntry.objects.filter(account__participant=user)
        .select_related("enrollment")
        .order_by("at", "id")
    )
    running, ledger = 0, []
    for entry in entries:
        running += entry.amount
        ledger.append((entry, running))
    fidelity = list(
        FidelityAssignment.objects.filter(participant=user)
        .select_related("exercise")
        .order_by("-exercise__year")
    )
    return {
        "memberships": [(m, dict(by_membership.get(m.pk, {}))) for m in memberships],
        "attendance": attendance,
        "reports": reports,
        "ledger": list(reversed(ledger))[:HISTORY_LIMIT],
        "balance": running,
        "fidelity": [(f, FIDELITY_LABELS[assignment_status(f, as_of)]) for f in fidelity],
    }


def fees_section(user: Any) -> dict[str, Any]:
    invoices = list(
        invoices_with_balance(Invoice.objects.filter(participant=user))
        .select_related("enrollment")
        .order_by("issued_on", "id")
    )
    payments: dict[int, list[Payment]] = defaultdict(list)
    for p in Payment.objects.filter(invoice__participant=user).order_by("paid_on", "id"):
        payments[p.invoice_id].append(p)
    waivers: dict[int, list[Waiver]] = defaultdict(list)
    for w in Waiver.objects.filter(invoice__participant=user).order_by("at", "id"):
        waivers[w.invoice_id].append(w)
    return {
        "invoices": [(i, payments.get(i.pk, []), waivers.get(i.pk, [])) for i in invoices],
        "total_balance": sum((i.balance for i in invoices), start=0),  # type: ignore[attr-defined]
    }


def history_section(user: Any) -> dict[str, Any]:
    """The audit entries about the participant, the reminders they were sent, and the change history of
    their account, profile and enrollments (simple-history)."""
    audit = list(
        AuditEntry.objects.filter(subject_user=user)
        .select_related("actor")
        .order_by("-at", "-id")[:AUDIT_LIMIT]
    )
    reminders = list(
        SentReminder.objects.filter(participant=user).order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )
    staff_reminders = list(
        StaffReminder.objects.filter(participant=user)
        .select_related("sent_by")
        .order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )
    changes: list[dict[str, Any]] = []
    for label, rows in (
        ("Account", type(user).history.filter(id=user.pk).select_related("history_user")[:HISTORY_LIMIT]),
        (
            "Profile",
            ParticipantProfile.history.filter(user_id=user.pk).select_related("history_user")[:HISTORY_LIMIT],
        ),
        (
            "Enrollment",
            Enrollment.history.filter(participant_id=user.pk).select_related("history_user")[:HISTORY_LIMIT],
        ),
    ):
        for row in rows:
            changes.append(
                {
                    "at": row.history_date,
                    "what": label
                    if label != "Enrollment"
                    else f"Enrollment #{row.id} ({row.phase}, {row.status})",
                    "type": {"+": "created", "~": "changed", "-": "deleted"}.get(
                        row.history_type, row.history_type
                    ),
                    "by": row.history_user.email if row.history_user else "system",
                    "reason": row.history_change_reason or "",
                }
            )
    changes.sort(key=lambda c: c["at"], reverse=True)
    return {
        "audit": audit,
        "reminders": reminders,
        "staff_reminders": staff_reminders,
        "changes": changes[:HISTORY_LIMIT],
    }
