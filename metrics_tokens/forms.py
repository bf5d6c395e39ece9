from __future__ import annotations

from django import forms

from .models import LedgerKind, ReportType
from .services import CLIENT_CODE_HELP


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class ReportForm(forms.Form):
    report_type = forms.ChoiceField(choices=ReportType.choices, label="Report type")
    report_date = forms.DateField(widget=DateInput, label="Date of the report")
    client_code = forms.CharField(
        max_length=40,
        required=False,
        label="Client code (pseudonymous)",
        help_text=CLIENT_CODE_HELP + " Leave empty for Typical and Fidelity reports.",
    )


class AdjustForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(LedgerKind.GRANT, "Grant (adds tokens)"), (LedgerKind.ADJUSTMENT, "Adjustment (+ or −)")]
    )
    amount = forms.IntegerField(help_text="Whole tokens; an adjustment may be negative.")
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the ledger for good."
    )


class RefundForm(forms.Form):
    reason = forms.CharField(max_length=500)


class ExerciseForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    title = forms.CharField(max_length=200)
    case_abstract = forms.FileField(help_text="The case abstract clinicians score (PDF or document).")
    qa_session_at = forms.DateTimeField(
        widget=DateTimeInput,
        label="Q&A session (date and time, in your time zone)",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    qa_session_link = forms.URLField(label="Q&A session link", assume_scheme="https")
    deadline = forms.DateField(widget=DateInput, label="Submission deadline (last day)")


class PublishForm(forms.Form):
    scored_report = forms.FileField(help_text="The scored report of the case.")
    self_scoring_instructions = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    feedback_recording_link = forms.URLField(
        label="Recorded feedback discussion (30 minutes): link", assume_scheme="https"
    )
