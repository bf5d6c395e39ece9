"""Admin: read-only views. Reports, ledger entries and exercises change only through the services
(the pages and the API), so that every change has its actor, reason and audit entry."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import FidelityAssignment, FidelityExercise, MetricReport, TokenLedgerEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MetricReport)
class MetricReportAdmin(ReadOnlyAdmin):
    list_display = ["report_date", "participant", "report_type", "client_code", "source", "token_required"]
    list_filter = ["report_type", "source"]
    search_fields = ["participant__email", "client_code", "external_id"]
    list_select_related = ["participant"]


@admin.register(TokenLedgerEntry)
class TokenLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "account", "kind", "amount", "reason", "actor_label"]
    list_filter = ["kind"]
    search_fields = ["account__participant__email", "reason"]
    list_select_related = ["account__participant"]


@admin.register(FidelityExercise)
class FidelityExerciseAdmin(ReadOnlyAdmin):
    list_display = ["year", "title", "deadline", "results_published_at"]


@admin.register(FidelityAssignment)
class FidelityAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["exercise", "participant", "submitted_at", "late", "self_scored_at"]
    list_filter = ["exercise", "late"]
    list_select_related = ["exercise", "participant"]
