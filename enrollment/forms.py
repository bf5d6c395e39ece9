"""Forms of the enrollment pages. They check shapes; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from . import importing
from .models import Degree, InvoiceKind, Organization, ParticipantProfile, PaymentMethod

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class ApplicationForm(forms.Form):
    legal_name = forms.CharField(
        max_length=200, label="Legal name", help_text="Exactly as it must appear on a certificate."
    )
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"), required=False, empty_label="— none or not listed —"
    )
    organization_name = forms.CharField(
        max_length=200,
        required=False,
        label="Organization not listed",
        help_text="Its name, if it is not in the list.",
    )
    currently_practicing = forms.BooleanField(
        required=False, label="I currently practise with children, youth, adults or families"
    )
    populations_served = forms.MultipleChoiceField(
        choices=ParticipantProfile.Population.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    practice_setting = forms.CharField(
        max_length=200,
        required=False,
        help_text="For example: community mental health clinic, school, private practice.",
    )
    degree_level = forms.ChoiceField(choices=Degree.Level.choices, label="Highest degree: level")
    degree_field = forms.CharField(
        max_length=200, label="Field", help_text="e.g. social work, psychology, nursing"
    )
    degree_institution = forms.CharField(max_length=200, label="Institution")
    degree_year = forms.IntegerField(label="Year awarded", min_value=1940)
    license_type = forms.CharField(
        max_length=100, label="License or designation", help_text="e.g. LPC, LMFT, LMSW"
    )
    license_number = forms.CharField(max_length=100, label="License number")
    license_jurisdiction = forms.CharField(
        max_length=100, label="Jurisdiction", help_text="State, province or country"
    )
    license_expires_on = forms.DateField(label="License expires on", widget=DATE_WIDGET)
    prior_case_based_series = forms.BooleanField(
        required=False,
        label="I have completed at least one NMT Case-based Training Series (10 sessions)",
        help_text="If not, the Pre-Requisite Series is added to your Phase I requirements at no extra cost.",
    )
    agreed_to_policy = forms.BooleanField(
        required=True,
        label="I agree to the client-confidentiality and attribution policy",
        error_messages={"required": "You must agree to the client-confidentiality and attribution policy."},
    )

    def clean_degree_year(self) -> int:
        year = self.cleaned_data["degree_year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError("The year awarded cannot be in the future.")
        return year

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "legal_name": d["legal_name"],
            "organization": d["organization"],
            "organization_name": d["organization_name"],
            "currently_practicing": d["currently_practicing"],
            "populations_served": list(d["populations_served"]),
            "practice_setting": d["practice_setting"],
            "prior_case_based_series": d["prior_case_based_series"],
            "agreed_to_policy": d["agreed_to_policy"],
            "degrees": [
                {
                    "level": d["degree_level"],
                    "field": d["degree_field"],
                    "institution": d["degree_institution"],
                    "year": d["degree_year"],
                }
            ],
            "licenses": [
                {
                    "license_type": d["license_type"],
                    "number": d["license_number"],
                    "jurisdiction": d["license_jurisdiction"],
                    "expires_on": d["license_expires_on"],
                }
            ],
        }

    @classmethod
    def initial_from(cls, profile: ParticipantProfile | None, user: Any) -> dict[str, Any]:
        if profile is None:
            return {"legal_name": f"{user.first_name} {user.last_name}".strip()}
        initial: dict[str, Any] = {
            "legal_name": profile.legal_name,
            "organization": profile.organization_id,
            "currently_practicing": profile.currently_practicing,
            "populations_served": profile.populations_served,
            "practice_setting": profile.practice_setting,
            "prior_case_based_series": profile.prior_case_based_series,
        }
        degree = profile.degrees.first()
        if degree:
            initial |= {
                "degree_level": degree.level,
                "degree_field": degree.field,
                "degree_institution": degree.institution,
                "degree_year": degree.year,
            }
        lic = profile.licenses.first()
        if lic:
            initial |= {
                "license_type": lic.license_type,
                "license_number": lic.number,
                "license_jurisdiction": lic.jurisdiction,
                "license_expires_on": lic.expires_on,
            }
        return initial


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class InfoRequestForm(forms.Form):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="What do you need from the applicant?",
    )


class StartDateForm(forms.Form):
    start_date = forms.DateField(required=False, widget=DATE_WIDGET, help_text="Blank: today.")


class TransitionRequestForm(forms.Form):
    to_phase = forms.ChoiceField(choices=(), label="Move on to")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000, label="Note for staff"
    )

    def __init__(self, *args: Any, phases: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_phase"].choices = phases or []  # type: ignore[attr-defined]


class ExtensionRequestForm(forms.Form):
    months = forms.IntegerField(min_value=1, max_value=60, help_text="How many more months you need.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label="Why")


class GrantExtensionForm(forms.Form):
    months = forms.IntegerField(min_value=1, max_value=60)
    reason = forms.CharField(max_length=2000)


class InvoiceForm(forms.Form):
    kind = forms.ChoiceField(choices=InvoiceKind.choices)
    amount = forms.CharField(max_length=20, help_text="US dollars, e.g. 250.00")
    description = forms.CharField(max_length=300)
    due_on = forms.DateField(required=False, widget=DATE_WIDGET)


class PaymentForm(forms.Form):
    amount = forms.CharField(max_length=20, help_text="US dollars, e.g. 250.00")
    paid_on = forms.DateField(widget=DATE_WIDGET)
    method = forms.ChoiceField(choices=PaymentMethod.choices)
    reference = forms.CharField(max_length=200, required=False, help_text="Cheque or transfer reference")


class WaiverForm(forms.Form):
    amount = forms.CharField(max_length=20)
    reason = forms.CharField(max_length=2000)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header row. At most 2 MB.")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB: split it.")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text: save it as CSV UTF-8.") from None
        if "\x00" in text:  # the upload is kept as text for the commit, and PostgreSQL refuses NULs
            raise forms.ValidationError(importing.NUL_IN_FILE)
        return text


class ProfileForm(ApplicationForm):
    """The application's questions without the agreement: for keeping the profile current."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["agreed_to_policy"]

    def service_kwargs(self) -> dict[str, Any]:
        self.cleaned_data.setdefault("agreed_to_policy", True)
        kwargs = super().service_kwargs()
        del kwargs["agreed_to_policy"]
        return kwargs
