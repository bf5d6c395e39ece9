from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import BulkPrintJob, Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only: certificates change only through the app's pages and services (audited)."""

    list_display = [
        "number",
        "legal_name",
        "level",
        "completion_date",
        "issue_date",
        "printed_at",
        "revoked_at",
    ]
    list_filter = ["level"]
    search_fields = ["number", "legal_name", "participant__email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BulkPrintJob)
class BulkPrintJobAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "created_by", "status", "total", "done_count"]
    exclude = ["certificate_ids"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
