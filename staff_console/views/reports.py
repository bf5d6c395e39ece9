"""Program reports with charts, and their CSV exports."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.access import staff_required

from ..csvutil import csv_response
from ..reports import REPORTS


@staff_required
@require_safe
def reports(request: HttpRequest) -> HttpResponse:
    built = [build() for build in REPORTS.values()]
    return render(request, "staff_console/reports.html", {"reports": built})


@staff_required
@require_safe
def report_export(request: HttpRequest, key: str) -> HttpResponse:
    build = REPORTS.get(key)
    if build is None:
        raise Http404("No such report.")
    report = build()
    response: Any = csv_response(f"report-{report.key}.csv", report.columns, report.rows)
    return response
