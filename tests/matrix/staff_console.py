"""Staff console: staff and admins only; participants, mentors and trainers never reach any of it."""

from __future__ import annotations

from typing import Any

from .base import STAFF, Case, World, api, page


def build(world: World) -> None:
    world.staff_console_target = world.participant


def _person(world: World) -> dict[str, Any]:
    return {"pk": world.participant.pk}


def _section(world: World) -> dict[str, Any]:
    return {"pk": world.participant.pk, "section": "history"}


def _queue(world: World) -> dict[str, Any]:
    return {"key": "applications"}


CASES: list[Case] = [
    page("staff_console:home", STAFF),
    page("staff_console:queue", STAFF, kwargs=_queue),
    page("staff_console:queue_export", STAFF, kwargs=_queue),
    page(
        "staff_console:queue_remind",
        STAFF,
        method="post",
        ok="ok",
        kwargs=_queue,
        data={"subject": "Hello", "body": "A reminder"},
    ),
    page("staff_console:search", STAFF),
    page("staff_console:search", STAFF, method="post", data={"license_number": "LPC-1"}),
    page("staff_console:participant", STAFF, kwargs=_person),
    page("staff_console:participant_section", STAFF, kwargs=_section),
    page("staff_console:reports", STAFF),
    page("staff_console:report_export", STAFF, kwargs={"key": "cohorts"}),
    api("api:staff-queue-list", STAFF),
    api("api:staff-queue-detail", STAFF, kwargs=_queue),
    api(
        "api:staff-queue-remind",
        STAFF,
        method="post",
        ok=400,
        kwargs=_queue,
        data={"ids": [], "subject": "Hello", "body": "A reminder"},
        content_type="application/json",
        note="(nothing chosen)",
    ),
    api(
        "api:staff-participant-search",
        STAFF,
        method="post",
        data={"q": "pat"},
        content_type="application/json",
    ),
    api("api:staff-participant-detail", STAFF, kwargs=_person),
    api("api:staff-report-list", STAFF),
    api("api:staff-report-detail", STAFF, kwargs={"key": "tokens"}),
]
