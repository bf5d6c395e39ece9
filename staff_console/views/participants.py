"""Participant search and the participant record."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import staff_required

from .. import record
from ..forms import LicenseSearchForm, SearchForm
from ..search import search_participants

PAGE_SIZE = 50


@staff_required
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
    if criteria is not None and not criteria.empty:
        page = Paginator(search_participants(criteria, today), PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"form": form, "license_form": license_form, "page": page, "searched": searched}
    return render(request, "staff_console/search.html", context)


@staff_required
def participant(request: HttpRequest, pk: int) -> HttpResponse:
    user = record.get_participant(pk)
    context = {"person": user, **record.main_section(user), "sections": record.SECTIONS}
    return render(request, "staff_console/participant.html", context)


@staff_required
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
