from __future__ import annotations

from typing import Any

from django import forms

from enrollment.models import Organization

from .models import CertificateLevel


class RevokeForm(forms.Form):
    """On the same page as ReissueForm: distinct element ids, same field names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "revoke_%s")
        super().__init__(*args, **kwargs)

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Kept with the certificate and in the audit log. Verification shows it as revoked.",
    )


class ReissueForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reissue_%s")
        super().__init__(*args, **kwargs)

    legal_name = forms.CharField(
        max_length=200,
        help_text="The name on the new certificate. Correct the participant's profile too.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="What was corrected. The old certificate will show as superseded.",
    )


class IssueForm(forms.Form):
    enrollments = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    all_awaiting = forms.BooleanField(required=False)

    def __init__(self, *args: Any, awaiting_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enrollments"].choices = [(i, str(i)) for i in awaiting_ids]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("enrollments") and not data.get("all_awaiting"):
            raise forms.ValidationError(
                "Choose at least one completed enrollment to issue a certificate for."
            )
        return data


class BulkPrintForm(forms.Form):
    level = forms.ChoiceField(choices=[("", "Every level"), *CertificateLevel.choices], required=False)
    completed_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    completed_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"), required=False, empty_label="Every organization"
    )
    not_printed = forms.BooleanField(required=False, initial=True, label="Only certificates not printed yet")
    mark_printed = forms.BooleanField(
        required=False, initial=True, label="Mark them printed when the files are ready"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("completed_from"), data.get("completed_to")
        if start and end and start > end:
            self.add_error("completed_to", "The end of the range is before its start.")
        return data

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "level": data.get("level") or "",
            "completed_from": data.get("completed_from"),
            "completed_to": data.get("completed_to"),
            "organization": data.get("organization"),
            "not_printed": bool(data.get("not_printed")),
        }
