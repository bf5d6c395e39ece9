"""Admin: a read-only window onto study groups. Rosters, meetings and attendance change only through
the services (pages and API), so every change is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Attendance, Facilitation, FacilitationFeedback, Meeting, Membership, StudyGroup


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StudyGroup)
class StudyGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "cohort", "capacity", "recurrence_rule", "time_zone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "cohort"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["participant", "group", "status", "waitlisted_at", "joined_at", "left_at"]
    list_filter = ["status", "group"]
    search_fields = ["participant__email", "group__name"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["group", "starts_at", "occurrence", "status"]
    list_filter = ["status", "group"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "membership", "status", "recorded_by", "recorded_at"]
    list_filter = ["status"]


@admin.register(Facilitation)
class FacilitationAdmin(ReadOnlyAdmin):
    list_display = ["trainer", "group", "started_at", "ended_at"]


@admin.register(FacilitationFeedback)
class FacilitationFeedbackAdmin(ReadOnlyAdmin):
    list_display = ["facilitation", "meeting", "role", "submitted_at"]
