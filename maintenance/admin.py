"""Admin views of the maintenance app: for looking, not editing. Changes go through the services (pages
and API), which check the rules and write the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Presentation, RecertificationRequirement, RuleRun, SentReminder, YearEndCheck


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RuleRun)
class RuleRunAdmin(ReadOnlyAdmin):
    list_display = ["as_of", "dry_run", "triggered_by", "started_at", "finished_at", "changes", "reminders"]
    list_filter = ["dry_run", "triggered_by"]


@admin.register(SentReminder)
class SentReminderAdmin(ReadOnlyAdmin):
    list_display = ["participant", "kind", "deadline", "days_before", "sent_at"]
    list_filter = ["kind", "days_before"]
    search_fields = ["participant__email"]
    list_select_related = ["participant"]


@admin.register(RecertificationRequirement)
class RecertificationRequirementAdmin(ReadOnlyAdmin):
    list_display = ["participant", "rule", "required_on", "resolved_at"]
    search_fields = ["participant__email"]
    list_select_related = ["participant"]


@admin.register(YearEndCheck)
class YearEndCheckAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "checked_on", "evaluated_at", "decision"]
    list_select_related = ["enrollment__participant"]


@admin.register(Presentation)
class PresentationAdmin(ReadOnlyAdmin):
    list_display = ["title", "trainer", "planned_on", "status", "delivered_on"]
    list_filter = ["status"]
    search_fields = ["title", "trainer__email"]
    list_select_related = ["trainer"]
