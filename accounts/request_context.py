"""The current request, for services that record an IP address in the audit log.

Set by RequestContextMiddleware; empty in Celery tasks and management commands.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

current_request: ContextVar[Any] = ContextVar("current_request", default=None)


def client_ip(request: Any = None) -> str | None:
    request = request or current_request.get()
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None
