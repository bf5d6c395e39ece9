from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.module_loading import import_string
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import services
from .access import login_required, staff_required
from .api_errors import error_body
from .forms import ApiTokenForm, PreferencesForm
from .models import ApiToken, AuditEntry, User
from .nav import HomePanel
from .roles import Role, user_roles


@cache
def _home_panels() -> tuple[HomePanel, ...]:
    panels: list[HomePanel] = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.nav")
        except ModuleNotFoundError:
            continue
        panels.extend(getattr(module, "HOME_PANELS", []))
    return tuple(sorted(panels, key=lambda p: p.order))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Each role's home page: the blocks that apps contribute for the roles the user holds."""
    if not request.user.is_authenticated:
        return render(request, "accounts/landing.html")
    roles = user_roles(request.user)
    blocks = []
    for panel in _home_panels():
        if not panel.roles & roles:
            continue
        context: dict[str, Any] = {"request": request, "user": request.user}
        if panel.context:
            builder = import_string(panel.context) if isinstance(panel.context, str) else panel.context
            context.update(builder(request))  # type: ignore[operator]
        blocks.append(render_to_string(panel.template, context, request=request))
    return render(
        request, "accounts/home.html", {"blocks": blocks, "mfa_enabled": is_mfa_enabled(request.user)}
    )


def staff_overview_context(request: HttpRequest) -> dict[str, Any]:
    counts = dict(
        User.objects.filter(is_active=True, groups__name__in=Role.values)
        .values_list("groups__name")
        .annotate(n=Count("id"))
        .values_list("groups__name", "n")
    )
    return {
        "role_counts": [(r.label, counts.get(r.value, 0)) for r in Role],
        "mfa_enabled": is_mfa_enabled(request.user),
    }


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker, each answering or not: 200 when both do, 503 otherwise."""
    state: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        state["database"] = "ok"
    except Exception as exc:  # any failure means "not answering"
        state["database"] = f"error: {exc.__class__.__name__}"
    try:
        from nmt_cert.celery import app as celery_app

        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        state["broker"] = "ok"
    except Exception as exc:
        state["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in state.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **state}, status=200 if healthy else 503
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = PreferencesForm(
        request.POST or None,
        initial={"first_name": user.first_name, "last_name": user.last_name, "time_zone": user.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_preferences(user=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your preferences are saved.")
            return redirect("accounts:preferences")
    return render(request, "accounts/preferences.html", {"form": form, "mfa_enabled": is_mfa_enabled(user)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_secret = services.api_token_create(
                actor=request.user,
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, "Token created. Copy it now: it will not be shown again.")
            form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")  # type: ignore[misc]
    return render(
        request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "new_secret": new_secret}
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # This page manages one's own tokens only; staff revoke integration tokens in the API or admin.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:api_tokens")


@staff_required
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    qs = AuditEntry.objects.select_related("actor").order_by("-at", "-id")
    actor = request.GET.get("actor", "").strip()
    action = request.GET.get("action", "").strip()
    target = request.GET.get("target", "").strip()
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if action:
        qs = qs.filter(action__icontains=action)
    if target:
        qs = qs.filter(target_label__icontains=target)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_log.html",
        {"page": page, "filters": {"actor": actor, "action": action, "target": target}},
    )


def _is_api(request: HttpRequest) -> bool:
    # A URL under /api/ that no route matches (or that fails outside DRF) still answers the API's
    # one error shape, not an HTML page.
    return request.path.startswith("/api/")


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body("permission_denied", "You do not have access to this resource."), status=403
        )
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)
    # Rendered without the request: an error page must not need the database (context processors).
    return HttpResponse(render_to_string("500.html"), status=500)
