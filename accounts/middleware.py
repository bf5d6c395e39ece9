from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone

from .api_errors import error_body
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


class RefuseNulCharactersMiddleware:
    """PostgreSQL can neither store nor compare a NUL character, so a NUL in the path or the query
    string would fail in the first query that uses it: such a path names nothing (404) and such a
    query is refused (400). Forms and API serializers already refuse NULs in bodies."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            raise Http404("No such page.")
        if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            message = "The query string contains a NUL character."
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid", message), status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)


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
