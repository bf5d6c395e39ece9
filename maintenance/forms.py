"""Forms of the maintenance pages. Validation of the rules themselves lives in the services."""

from __future__ import annotations

from django import forms

from .services import RenewalDecision, slides_max_bytes_label


class DateInput(forms.DateInput):
    input_type = "date"


class PresentationForm(forms.Form):
    title = forms.CharField(max_length=200)
    audience = forms.CharField(max_length=200, help_text="Who it is for, e.g. school counselors.")
    planned_on = forms.DateField(label="Planned date", widget=DateInput)
    venue = forms.CharField(max_length=200, help_text="Training site, city, or “online”.")
    slides = forms.FileField(
        help_text=f"PDF, PowerPoint (.pptx, .ppt), Keynote or OpenDocument (.odp), up to {slides_max_bytes_label()}.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.pptx,.ppt,.key,.odp"}),
    )

    def __init__(self, *args: object, slides_required: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["slides"].required = slides_required
        if not slides_required:
            self.fields["slides"].help_text = "Leave empty to keep the current slides. " + str(
                self.fields["slides"].help_text
            )


class DeliveredForm(forms.Form):
    delivered_on = forms.DateField(label="Date given", widget=DateInput)
    attendees = forms.IntegerField(min_value=0, required=False, label="Number of attendees (optional)")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", "Approve"), ("return", "Return with comments")))
    comments = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text="Required when returning it: say what to change.",
    )


class FlagDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=RenewalDecision.CHOICES, widget=forms.RadioSelect)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ApproveForm(forms.Form):
    reason = forms.CharField(required=False, max_length=2000, label="Note (optional)")
