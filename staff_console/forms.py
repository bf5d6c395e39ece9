from __future__ import annotations

from typing import Any

from django import forms

from enrollment.models import EnrollmentStatus, Phase

from .search import SearchCriteria, mentor_choices


class SearchForm(forms.Form):
    """The participant search. The license number is only accepted by POST (never in a URL)."""

    q = forms.CharField(label="Name or e-mail", required=False, max_length=200)
    organization = forms.CharField(required=False, max_length=200)
    phase = forms.ChoiceField(choices=[("", "Any phase"), *Phase.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *EnrollmentStatus.choices], required=False)
    mentor = forms.ChoiceField(label="Study group mentor", required=False)
    overdue = forms.BooleanField(
        required=False, label="Overdue: time ended, an invoice past due, or a Fidelity report missing"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mentor: Any = self.fields["mentor"]
        mentor.choices = [("", "Any mentor"), *mentor_choices()]

    def criteria(self, license_number: str = "") -> SearchCriteria:
        data = self.cleaned_data
        return SearchCriteria(
            text=data.get("q", "").strip(),
            license_number=license_number.strip(),
            organization=data.get("organization", "").strip(),
            phase=data.get("phase", ""),
            status=data.get("status", ""),
            mentor_id=int(data["mentor"]) if data.get("mentor") else None,
            overdue=bool(data.get("overdue")),
        )


class LicenseSearchForm(forms.Form):
    license_number = forms.CharField(label="License number (exact)", max_length=100)
