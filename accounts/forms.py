from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from .models import TIME_ZONE_CHOICES, ApiToken


class SignupExtraForm(forms.Form):
    """Asked at sign-up besides e-mail and password (allauth's ACCOUNT_SIGNUP_FORM_CLASS)."""

    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name")
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES,
        initial=settings.DEFAULT_USER_TIME_ZONE,
        help_text="Times are shown to you in this zone.",
    )

    def signup(self, request: Any, user: Any) -> None:
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["first_name", "last_name", "time_zone"])


class PreferencesForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, help_text="Pages show times in this zone.")


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'my reporting script'.")


class IntegrationTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="e.g. 'NMT metrics tool, production'.")
    scope = forms.ChoiceField(choices=ApiToken.Scope.choices, initial=ApiToken.Scope.METRICS)
