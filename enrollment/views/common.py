from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.errors import DomainError


def error_text(exc: ValidationError | DomainError) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if hasattr(exc, "error_dict"):
        return " ".join(f"{m}" for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def back(request: HttpRequest, fallback: str, **kwargs: Any) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback, **kwargs)


def attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run one service call; turn a refusal into an error message. True when it succeeded."""
    try:
        action()
    except (ValidationError, DomainError) as exc:
        messages.error(request, error_text(exc))
        return False
    messages.success(request, success)
    return True


def form_errors(form: Any) -> str:
    parts = []
    for name, errs in form.errors.items():
        label = form.fields[name].label or name.replace("_", " ").capitalize() if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errs)}" if label else " ".join(errs))
    return " ".join(parts)
