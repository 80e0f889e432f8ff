"""Forms of the privacy pages. Times without an offset are read in the bank's time zone."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.privacy.models import (
    CHANNEL_CHOICES,
    CONSENT_PURPOSE_CHOICES,
    LANGUAGE_CHOICES,
    ConsentEvent,
)


class NoticeForm(forms.Form):
    text_zh = forms.CharField(label=_("Text (Chinese)"), widget=forms.Textarea, max_length=20_000)
    text_en = forms.CharField(label=_("Text (English)"), widget=forms.Textarea, max_length=20_000)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=CONSENT_PURPOSE_CHOICES)
    action = forms.ChoiceField(label=_("Action"), choices=ConsentEvent.Action.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNEL_CHOICES)
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=200,
        help_text=_("A signed form's reference, a recording's id."),
    )
    at = forms.DateTimeField(
        label=_("Effective at"), required=False, help_text=_("Leave empty for now.")
    )


class NoticeShownForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNEL_CHOICES)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    evidence = forms.CharField(label=_("Evidence"), max_length=200, required=False)


class CustomerLookupForm(forms.Form):
    q = forms.CharField(label=_("Customer number"), max_length=32)


class RetentionForm(forms.Form):
    dry_run = forms.BooleanField(label=_("Dry run (change nothing)"), required=False, initial=True)
    as_of = forms.DateField(label=_("As of"), required=False, help_text=_("Leave empty for today."))
