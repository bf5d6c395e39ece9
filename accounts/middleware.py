from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .request_context import current_request

Handler = Callable[[HttpRequest], HttpResponse]


class RequestContextMiddleware:
    """Makes the request available to services (for the IP in audit entries)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


class UserTimezoneMiddleware:
    """Pages show times in the signed-in user's own time zone."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tz_name = getattr(request.user, "time_zone", None) if request.user.is_authenticated else None
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name or settings.DEFAULT_USER_TIME_ZONE))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SessionLimitsMiddleware:
    """Idle timeout (SESSION_IDLE_SECONDS) on top of the absolute one (SESSION_COOKIE_AGE).

    The absolute limit is kept by stamping the session's start and never extending it.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.get("nmt_started")
            seen = request.session.get("nmt_seen")
            if started is None:
                request.session["nmt_started"] = now
            elif now - int(started) > settings.SESSION_COOKIE_AGE or (
                seen is not None and now - int(seen) > settings.SESSION_IDLE_SECONDS
            ):
                logout(request)
            if request.user.is_authenticated and (seen is None or now - int(seen) > 30):
                request.session["nmt_seen"] = now
        return self.get_response(request)


class NoStoreForPersonalPagesMiddleware:
    """Pages for a signed-in user, and API answers, hold personal data: no cache may keep them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/static/"):
            return response
        if (
            request.user.is_authenticated
            or request.path.startswith("/api/")
            or "Authorization" in request.headers
        ):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
