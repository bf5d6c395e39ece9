"""The database or Redis going away mid-request answers a clean 503, never a stack trace or a 500.

`OutageMiddleware` turns a connection failure (PostgreSQL, the Redis cache, the Celery broker) that
escapes a request into 503 with `Retry-After`: pages get `templates/503.html`, rendered without the
request (no context processor, no session, no cache), the API gets its one error shape. Writes are
not made safe here: each service is one transaction, so a request cut off halfway has saved all of
its change or none of it, and the page says so.

Django turns an exception raised inside an inner middleware (the session loading the user, say) into
a 500 response before an outer middleware sees it, so besides `process_exception` (exceptions from
views) a `got_request_exception` receiver marks the request and the middleware swaps that response.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import redis.exceptions
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as BrokerError

from .api_errors import error_body

log = logging.getLogger("nmt_cert.outage")

OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    BrokerError,
)
_MARK = "_nmt_outage"


def outage_cause(exc: BaseException | None) -> BaseException | None:
    """The connection failure behind `exc` (itself or a cause it was raised from), if any."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OUTAGE_ERRORS):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    retry_after = int(settings.OUTAGE_RETRY_AFTER_SECONDS)
    # The path only: a query string or a body could hold personal data.
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    log.warning("503 for %s %s: %s: %s", request.method, request.path, type(exc).__name__, first_line)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            error_body(
                "service_unavailable",
                "The service is briefly unavailable (its database or cache does not answer). "
                "Nothing was half-saved: please retry shortly.",
            ),
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html", {"retry_after": retry_after}), status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception)
def _mark_outage(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    cause = outage_cause(sys.exc_info()[1])
    if request is not None and cause is not None:
        setattr(request, _MARK, cause)


BROKER_DOWN = "The task queue did not answer, so this never started: please start it again."


def publish_or_fail(publish: Callable[[], Any], fail: Callable[[str], Any]) -> None:
    """Queue a job's task(s) after commit. When the broker does not answer, nothing would ever run the
    job: `fail(BROKER_DOWN)` marks it failed (never left "queued" for ever), then the error goes on and
    the request answers 503."""
    try:
        publish()
    except OUTAGE_ERRORS:
        fail(BROKER_DOWN)
        raise


class OutageMiddleware:
    """Place it outside the session and authentication middleware (they load from the database)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except Exception as exc:  # an error page that itself failed: answer for it
            cause = outage_cause(exc)
            if cause is None:
                raise
            return outage_response(request, cause)
        cause = getattr(request, _MARK, None)
        if cause is not None:
            return outage_response(request, cause)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        cause = outage_cause(exception)
        return outage_response(request, cause) if cause is not None else None
