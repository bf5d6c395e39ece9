"""Audit history browsing for staff and admins, with object filters and a CSV export."""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.access import staff_required

from ..audit import COLUMNS, AuditFilters, audit_entries, object_types, row
from ..csvutil import csv_response


@staff_required
@require_safe
def audit(request: HttpRequest) -> HttpResponse:
    filters = AuditFilters.from_params(request.GET)
    page = Paginator(audit_entries(filters), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "object_types": object_types(),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "staff_console/audit.html", context)


@staff_required
@require_safe
def audit_export(request: HttpRequest) -> HttpResponse:
    entries = audit_entries(AuditFilters.from_params(request.GET))
    rows = ([*row(e)[:-1], json.dumps(e.changes, default=str)] for e in entries.iterator(chunk_size=500))
    response: Any = csv_response("audit.csv", COLUMNS, rows)
    return response
