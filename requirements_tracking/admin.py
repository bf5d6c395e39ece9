"""Staff edit requirement templates, attestation texts, policy agreements and the call series here.
Signed checklists are read-only (the database refuses changes to them as well)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    AttestationText,
    CallOccurrence,
    CallSeries,
    Checklist,
    ChecklistEntry,
    ChecklistRequirement,
    PolicyAgreement,
    RequirementTemplate,
    RequirementTemplateItem,
)


class RequirementTemplateItemInline(admin.TabularInline):
    model = RequirementTemplateItem
    extra = 1


@admin.register(RequirementTemplate)
class RequirementTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "policy", "phase", "kind", "target", "target_from", "condition", "order"]
    list_filter = ["policy", "phase", "kind"]
    list_editable = ["target", "order"]
    search_fields = ["name", "code"]
    inlines = [RequirementTemplateItemInline]


class _UsedVersionReadOnly(admin.ModelAdmin):
    """A version someone signed is evidence: add a new version instead of editing it."""

    used_relation = ""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and getattr(obj, self.used_relation).exists():
            return [f.name for f in obj._meta.fields]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not getattr(obj, self.used_relation).exists()


@admin.register(AttestationText)
class AttestationTextAdmin(_UsedVersionReadOnly):
    list_display = ["version", "created_at"]
    used_relation = "checklists"


@admin.register(PolicyAgreement)
class PolicyAgreementAdmin(_UsedVersionReadOnly):
    list_display = ["version", "title", "published_at"]
    used_relation = "signatures"


class ChecklistRequirementInline(admin.TabularInline):
    model = ChecklistRequirement
    extra = 0
    fields = ("name", "kind", "target", "signed_done")
    readonly_fields = ("name", "kind", "target", "signed_done")
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    """Read-only: checklists change through the participant's pages and staff review only."""

    list_display = ["enrollment", "version", "status", "signed_at", "reviewed_at"]
    list_filter = ["status"]
    search_fields = ["enrollment__participant__email"]
    inlines = [ChecklistRequirementInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Checklist._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChecklistEntry)
class ChecklistEntryAdmin(admin.ModelAdmin):
    list_display = ["requirement", "number", "completed_on", "mode", "recorded_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ChecklistEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CallOccurrenceInline(admin.TabularInline):
    model = CallOccurrence
    extra = 0


@admin.register(CallSeries)
class CallSeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "rrule", "local_time", "time_zone", "is_active"]
    inlines = [CallOccurrenceInline]
