from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from .models import Mode


class EntryForm(forms.Form):
    number = forms.IntegerField(min_value=1, label="Session or item")
    completed_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(choices=Mode.choices, initial=Mode.RECORDING)
    note = forms.CharField(max_length=500, required=False)
    evidence = forms.FileField(required=False, help_text="Optional: a PDF, PNG or JPEG.")


class SignForm(forms.Form):
    attestation_version = forms.IntegerField(widget=forms.HiddenInput)
    attest = forms.BooleanField(label="I make the statement above.")
    full_name = forms.CharField(max_length=200, label="Your full name")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    mfa_code = forms.CharField(
        max_length=10,
        required=False,
        label="Authenticator code",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, needs_mfa: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_mfa:
            del self.fields["mfa_code"]
        else:
            self.fields["mfa_code"].required = True


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", "Verify"), ("return", "Return with comments")])
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AgreementForm(forms.Form):
    agree = forms.BooleanField(label="I have read this policy and agree to it.")
    full_name = forms.CharField(max_length=200, label="Your full name")


class AttendForm(forms.Form):
    mode = forms.ChoiceField(choices=Mode.choices)


class CallManageForm(forms.Form):
    cancelled = forms.BooleanField(required=False, label="Cancel this call")
    moved_to = forms.DateTimeField(
        required=False,
        label="Move to (your time zone)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    recording_url = forms.URLField(required=False, label="Recording link", assume_scheme="https")
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, time_zone: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(time_zone)

    def clean_moved_to(self) -> datetime | None:
        value = self.cleaned_data.get("moved_to")
        if value is None:
            return None
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=self.zone)
