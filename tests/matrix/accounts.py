from __future__ import annotations

from typing import Any

from accounts.models import ApiToken, AuditEntry
from accounts.services import api_token_create

from .base import EVERYONE, STAFF, Case, World, api, page, public


def build(world: World) -> None:
    world.participant_token, _ = api_token_create(
        actor=world.participant, user=world.participant, name="script"
    )
    AuditEntry.objects.create(action="matrix.seed", actor_label="system")


def _own_token(world: World) -> dict[str, Any]:
    return {"pk": world.participant_token.pk}


CASES: list[Case] = [
    page("home", EVERYONE, note="signed in"),
    page("accounts:preferences", EVERYONE),
    page(
        "accounts:preferences",
        EVERYONE,
        method="post",
        ok=302,
        data={"first_name": "A", "last_name": "B", "time_zone": "Europe/Paris"},
    ),
    page("accounts:api_tokens", EVERYONE),
    page("accounts:api_tokens", EVERYONE, method="post", ok=200, data={"name": "a token"}),
    # Only the owner can revoke a token on this page; for anyone else it does not exist.
    page(
        "accounts:api_token_revoke",
        {"participant"},
        method="post",
        ok=302,
        kwargs=_own_token,
        not_found=EVERYONE - {"participant"},
    ),
    page("accounts:audit_log", STAFF),
    public("healthz"),
    public("api-schema"),
    public("api-docs"),
    public("api-redoc"),
    api("api:me", EVERYONE),
    api("api:token-list", EVERYONE),
    api(
        "api:token-list",
        EVERYONE,
        method="post",
        ok=201,
        data={"name": "from api"},
        content_type="application/json",
    ),
    # Staff manage every token (integration tokens included); others cannot see this one.
    api(
        "api:token-revoke",
        {"participant"} | STAFF,
        method="post",
        kwargs=_own_token,
        not_found=EVERYONE - {"participant"} - STAFF,
        content_type="application/json",
    ),
]

# The landing page for visitors is the same URL as home: anonymous sees it (200), not a redirect.
CASES[0].expect["anonymous"] = 200
CASES[0].expect["integration"] = 200

ApiToken  # noqa: B018  (imported for readers: the integration token of the cast is an ApiToken)
