"""What the participant's "My certification" page (and its API twin) shows: one function, one as_of."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from . import selectors
from .dates import share_elapsed
from .models import ApplicationStatus, EnrollmentStatus, Phase, RequestStatus
from .services.core import completion_problems
from .services.transitions import MAY_EXTEND, MAY_REQUEST_TRANSITION, PHASE_MOVES, free_extension_left


def certification_summary(user: Any, as_of: date | None = None) -> dict[str, Any]:
    as_of = as_of or timezone.localdate()
    enrollments = list(selectors.enrollments_of(user).prefetch_related("policy__phase_rules"))
    current = next((e for e in enrollments if e.is_open), None)
    application = selectors.latest_application(user)
    invoices = list(
        selectors.invoices_of(user).prefetch_related("payments", "waivers").order_by("-issued_on", "-id")
    )
    balance = sum((inv.balance for inv in invoices), Decimal("0.00"))  # type: ignore[attr-defined]
    pending_transition = pending_extension = None
    next_steps: list[str] = []
    info: dict[str, Any] = {}
    if current is not None:
        pending_transition = current.transition_requests.filter(status=RequestStatus.PENDING).first()
        pending_extension = current.extension_requests.filter(status=RequestStatus.PENDING).first()
        end = current.current_end
        info = {
            "end": end,
            "days_left": (end - as_of).days,
            "elapsed_percent": round(100 * share_elapsed(current.start_date, end, as_of)),
            "free_extension_left": free_extension_left(current),
            "may_request_transition": current.status in MAY_REQUEST_TRANSITION and not pending_transition,
            "may_request_extension": current.status in MAY_EXTEND
            and current.rule.extensions_allowed
            and not pending_extension,
            "completion_problems": completion_problems(current, as_of)
            if current.status in MAY_REQUEST_TRANSITION and not pending_transition
            else [],
            "next_phases": [(p, Phase(p).label) for p in PHASE_MOVES.get(current.phase, ())],
        }
        if current.status == EnrollmentStatus.AWAITING_FEE:
            next_steps.append(
                f"Your term has ended: the continuation fee (${current.rule.continuation_fee}) buys "
                f"{current.rule.continuation_months} more months."
            )
        elif info["days_left"] >= 0:
            next_steps.append(
                f"{current.get_phase_display()} runs until {end:%d %B %Y} ({info['days_left']} days left)."
            )
        if current.prerequisite_required:
            next_steps.append("The Pre-Requisite Series (10 sessions) is part of your requirements.")
        if pending_transition:
            next_steps.append(
                f"Your request to move on to {pending_transition.get_to_phase_display()} is with staff."
            )
        if pending_extension:
            next_steps.append(f"Your request for {pending_extension.months} more months is with staff.")
    elif application is not None and application.status == ApplicationStatus.SUBMITTED:
        next_steps.append("Your application is waiting for staff review.")
    elif application is not None and application.status == ApplicationStatus.INFO_REQUESTED:
        next_steps.append("Staff asked for more information: update your application and submit it again.")
    elif not enrollments:
        next_steps.append("Apply for Phase I to start your certification.")
    if balance > 0:
        next_steps.append(f"Fees due: ${balance:,.2f}.")
    return {
        "as_of": as_of,
        "current": current,
        "current_info": info,
        "enrollments": enrollments,
        "application": application,
        "invoices": invoices,
        "balance": balance,
        "pending_transition": pending_transition,
        "pending_extension": pending_extension,
        "next_steps": next_steps,
        "profile": selectors.profile_of(user),
    }
