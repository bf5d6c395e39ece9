"""Public verification: no sign-in, only name, level, dates and status. Rate-limited per IP."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from .ratelimit import retry_after, verify_allowed
from .selectors import verification_for_code

_DATE_KEYS = ("completion_date", "issue_date", "revoked_on", "superseded_on")


def _private(response: HttpResponse) -> HttpResponse:
    # A revocation must show at once: nothing may cache the answer. Search engines need not index it.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _too_many(request: HttpRequest, *, json: bool) -> HttpResponse:
    wait = retry_after()
    if json:
        response: HttpResponse = JsonResponse(
            {
                "error": {
                    "code": "throttled",
                    "message": f"Too many verification requests. Try again in {wait} seconds.",
                    "fields": {},
                }
            },
            status=429,
        )
    else:
        response = render(request, "certificates/verify_throttled.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return _private(response)


@require_safe
def verify(request: HttpRequest, code: str) -> HttpResponse:
    if not verify_allowed(request):
        return _too_many(request, json=False)
    result = verification_for_code(code)
    dates = {k: date.fromisoformat(v) for k, v in result.items() if k in _DATE_KEYS and v}
    return _private(
        render(request, "certificates/verify.html", {"result": result, "dates": dates, "code": code})
    )


@require_safe
def verify_json(request: HttpRequest, code: str) -> HttpResponse:
    if not verify_allowed(request):
        return _too_many(request, json=True)
    return _private(JsonResponse(verification_for_code(code)))


@require_safe
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """A form to type the code printed on a certificate."""
    code = request.GET.get("code", "").strip()
    error = ""
    if code:
        try:
            return redirect(reverse("verify", kwargs={"code": code}))
        except NoReverseMatch:
            error = "A verification code has only letters, digits, - and _."
    return _private(render(request, "certificates/verify_lookup.html", {"code": code, "error": error}))
