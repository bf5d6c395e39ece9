from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Application,
    Degree,
    Enrollment,
    ExtensionRequest,
    ImportBatch,
    Invoice,
    License,
    Organization,
    ParticipantProfile,
    Payment,
    PhaseRule,
    ProgramPolicy,
    TransitionRequest,
    Waiver,
)


class PhaseRuleInline(admin.TabularInline):
    model = PhaseRule
    extra = 0

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A version in use is evidence of the rules people enrolled under: make a new version instead.
        return not (obj and obj.enrollments.exists())

    has_delete_permission = has_change_permission


@admin.register(ProgramPolicy)
class ProgramPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "effective_from", "is_active"]
    inlines = [PhaseRuleInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj and obj.enrollments.exists():
            return [f.name for f in obj._meta.fields if f.name not in ("is_active", "notes")]
        return []


class DegreeInline(admin.TabularInline):
    model = Degree
    extra = 0


class LicenseInline(admin.TabularInline):
    model = License
    extra = 0


@admin.register(ParticipantProfile)
class ParticipantProfileAdmin(SimpleHistoryAdmin):
    list_display = ["legal_name", "user", "organization", "currently_practicing"]
    search_fields = ["legal_name", "user__email"]
    inlines = [DegreeInline, LicenseInline]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "city", "country"]
    search_fields = ["name"]


@admin.register(Enrollment)
class EnrollmentAdmin(SimpleHistoryAdmin):
    list_display = ["participant", "phase", "status", "start_date", "term_end", "policy"]
    list_filter = ["phase", "status", "policy"]
    search_fields = ["participant__email", "participant__last_name"]

    # Status and dates change only through the services (transition table, audit): read-only here.
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Enrollment._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records changed only through the services (rules, audit): the admin shows them, nothing more."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Payment._meta.fields]


class WaiverInline(PaymentInline):
    model = Waiver  # type: ignore[assignment]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Waiver._meta.fields]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["participant", "kind", "amount", "issued_on", "due_on"]
    list_filter = ["kind"]
    search_fields = ["participant__email", "description"]
    inlines = [PaymentInline, WaiverInline]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["participant", "status", "submitted_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["participant__email"]


@admin.register(TransitionRequest)
class TransitionRequestAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "to_phase", "status", "requested_at"]
    list_filter = ["status", "to_phase"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "months", "status", "requested_at"]
    list_filter = ["status"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["filename", "uploaded_by", "uploaded_at", "row_count", "error_count", "committed_at"]
