from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.roles import Role

from .models import DEFAULT_RULES, AttendanceStatus, GroupKind, StudyGroup


def _mentor_choices() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(groups__name=Role.MENTOR, is_active=True)
        .order_by("last_name", "email")
    )


TIME_ZONES = sorted(zoneinfo.available_timezones())


class GroupForm(forms.Form):
    kind = forms.ChoiceField(choices=GroupKind.choices)
    name = forms.CharField(max_length=150)
    cohort = forms.CharField(max_length=100, required=False, help_text='Cohort or term, e.g. "2026 spring".')
    mentors = forms.ModelMultipleChoiceField(queryset=get_user_model().objects.none())
    capacity = forms.IntegerField(min_value=1, max_value=500)
    recurrence_rule = forms.CharField(
        max_length=500,
        help_text=(
            "RFC 5545 RRULE. Phase I meets twice a month, e.g. "
            f"{DEFAULT_RULES[GroupKind.CERTIFICATION]}; the trainer group monthly, e.g. "
            f"{DEFAULT_RULES[GroupKind.TRAINER]}."
        ),
    )
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.ChoiceField(choices=[(z, z) for z in TIME_ZONES], initial="America/New_York")
    duration_minutes = forms.IntegerField(min_value=15, max_value=480, initial=60)
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    video_link = forms.URLField(required=False, assume_scheme="https")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mentors: Any = self.fields["mentors"]
        mentors.queryset = _mentor_choices()
        mentors.label_from_instance = lambda u: f"{u.display_name} <{u.email}>"
        if editing:
            self.fields["kind"].disabled = True
            self.fields["is_active"] = forms.BooleanField(
                required=False, label="Open (uncheck to close the group: no new meetings or members)"
            )

    @staticmethod
    def initial_for(group: StudyGroup) -> dict[str, Any]:
        keys: tuple[str, ...] = ("kind", "name", "cohort", "capacity", "recurrence_rule", "starts_on")
        keys += ("start_time", "time_zone", "duration_minutes", "ends_on", "video_link", "is_active")
        return {k: getattr(group, k) for k in keys} | {"mentors": list(group.mentors.all())}


class AddMemberForm(forms.Form):
    email = forms.EmailField(label="Participant's e-mail")
    reason = forms.CharField(max_length=300, required=False)


class RemoveMemberForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.TextInput(attrs={"placeholder": "Why they leave"}))


class TransferForm(forms.Form):
    to_group = forms.ModelChoiceField(queryset=StudyGroup.objects.none(), label="Transfer to")
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, targets: QuerySet[StudyGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_group: Any = self.fields["to_group"]
        to_group.queryset = targets


class AssignTrainerForm(forms.Form):
    email = forms.EmailField(label="Trainer's e-mail")
    reason = forms.CharField(max_length=300, required=False)


class EndFacilitationForm(forms.Form):
    reason = forms.CharField(max_length=300)


class MoveMeetingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="New start (in the group's time zone)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(max_length=300, required=False)

    def aware_start(self, time_zone: str) -> datetime:
        naive = self.cleaned_data["starts_at"]
        if naive.tzinfo is not None:
            naive = naive.replace(tzinfo=None)
        return naive.replace(tzinfo=zoneinfo.ZoneInfo(time_zone))


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(max_length=300)


class FeedbackForm(forms.Form):
    went_well = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What went well")
    to_improve = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What to do differently")


def attendance_entries(data: Any, membership_ids: list[int]) -> dict[int, str]:
    """Reads `attendance-<membership id>` fields; blanks are skipped."""
    entries = {}
    for pk in membership_ids:
        value = data.get(f"attendance-{pk}", "")
        if value:
            entries[pk] = value
    # Posted ids that are not members are kept, so the service refuses them with its message.
    for key, value in data.items():
        if key.startswith("attendance-") and value:
            try:
                pk = int(key.removeprefix("attendance-"))
            except ValueError:
                continue
            entries.setdefault(pk, value)
    return entries


ATTENDANCE_CHOICES = AttendanceStatus.choices
