"""Participant search and the participant record."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import staff_required
from accounts.html import text
from accounts.urlcache import reverse_id
from enrollment.models import EnrollmentStatus, Phase

from .. import record
from ..forms import LicenseSearchForm, SearchForm
from ..search import search_page

PAGE_SIZE = 50
# A results page reads these columns only (no model instances: the busiest page of the console).
RESULT_FIELDS = (
    "pk",
    "email",
    "first_name",
    "last_name",
    "organization_name",
    "latest_phase",
    "latest_status",
)
PHASE_LABELS = dict(Phase.choices)
STATUS_LABELS = dict(EnrollmentStatus.choices)


def _result_row(row: dict[str, Any]) -> dict[str, Any]:
    """One result, with its table row rendered here once, every value escaped (fifty rows of five
    cells cost the template engine more than the search's queries)."""
    name = f"{row['first_name']} {row['last_name']}".strip()
    result = {
        "url": reverse_id("staff_console:participant", row["pk"]),
        "name": name or row["email"],
        "email": row["email"],
        "organization": row["organization_name"] or "—",
        "phase": PHASE_LABELS.get(row["latest_phase"], "—"),
        "status": STATUS_LABELS.get(row["latest_status"], "—"),
    }
    cells = "".join(f"<td>{text(result[k])}</td>" for k in ("email", "organization", "phase", "status"))
    result["html"] = mark_safe(  # every value is escaped
        f'<tr data-testid="search-row"><td><a href="{text(result["url"])}">{text(result["name"])}</a></td>'
        f"{cells}</tr>"
    )
    return result


def _menus(form: SearchForm) -> list[dict[str, Any]]:
    """The search's three menus with their options as HTML (escaped), the one asked for selected."""
    menus = []
    for name in ("phase", "status", "mentor"):
        field = form[name]
        current = str(field.value() or "")
        options = "".join(
            f'<option value="{text(value)}"{" selected" if str(value) == current else ""}>{text(label)}</option>'
            for value, label in field.field.choices  # type: ignore[attr-defined]
        )
        menus.append({"name": name, "label": field.label, "options": mark_safe(options)})  # escaped above
    return menus


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """GET: the filters (bookmarkable). POST: the license number, which must never be in a URL."""
    today = timezone.localdate()
    license_form = LicenseSearchForm(request.POST or None)
    if request.method == "POST":
        form = SearchForm(request.POST)
        searched = form.is_valid() and license_form.is_valid()
        criteria = form.criteria(license_form.cleaned_data["license_number"]) if searched else None
    else:
        form = SearchForm(request.GET or None)
        searched = bool(request.GET) and form.is_valid()
        criteria = form.criteria() if searched else None
    page = None
    rows: list[dict[str, Any]] = []
    if criteria is not None and not criteria.empty:
        page = search_page(criteria, today, request.GET.get("page"), PAGE_SIZE, RESULT_FIELDS)
        rows = [_result_row(r) for r in page.object_list]
    context: dict[str, Any] = {
        "form": form,
        "menus": _menus(form),
        "license_form": license_form,
        "page": page,
        "rows": rows,
        "searched": searched,
    }
    return render(request, "staff_console/search.html", context)


@staff_required
@require_safe
def participant(request: HttpRequest, pk: int) -> HttpResponse:
    user = record.get_participant(pk)
    context = {"person": user, **record.main_section(user), "sections": record.SECTIONS}
    return render(request, "staff_console/participant.html", context)


@staff_required
@require_safe
def participant_section(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    if section not in record.SECTIONS:
        raise Http404("No such section.")
    user = record.get_participant(pk)
    today = timezone.localdate()
    data = {
        "progress": lambda: record.progress_section(user, today),
        "activity": lambda: record.activity_section(user, today),
        "fees": lambda: record.fees_section(user),
        "history": lambda: record.history_section(user),
    }[section]()
    return render(request, f"staff_console/record/{section}.html", {"person": user, **data})
