"""The wrap-up form of the phone screen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.remote.models import OUTCOME_CHOICES
from doorstep.remote.services import MAX_CALL_SECONDS, MAX_RECORDING_BYTES


class WrapUpForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOME_CHOICES)
    duration_seconds = forms.IntegerField(
        label=_("Duration (seconds)"), min_value=0, max_value=MAX_CALL_SECONDS
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    promise_amount = forms.DecimalField(
        label=_("Promised amount"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    promise_due_on = forms.DateField(
        label=_("Promised by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    callback_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    recording = forms.FileField(label=_("Recording (optional)"), required=False)

    def clean_recording(self) -> bytes | None:
        upload = self.cleaned_data.get("recording")
        if upload is None:
            return None
        if upload.size > MAX_RECORDING_BYTES:
            raise forms.ValidationError(_("The recording is over 50 MB."))
        data: bytes = upload.read()
        return data
