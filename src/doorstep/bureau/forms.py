from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.bureau.layout import COLUMNS

FIXED = ("record_type", "report_month", "account_number")


class GenerateForm(forms.Form):
    month = forms.RegexField(label=_("Month (YYYY-MM)"), regex=r"^\d{4}-\d{2}$", max_length=7)


class CorrectionForm(forms.Form):
    complaint = forms.CharField(label=_("Complaint reference"), max_length=20)
    account = forms.CharField(label=_("Account number"), max_length=32)
    month = forms.RegexField(label=_("Month reported (YYYY-MM)"), regex=r"^\d{4}-\d{2}$")
    column = forms.ChoiceField(
        label=_("Column"), choices=[(c, c) for c in COLUMNS if c not in FIXED]
    )
    value = forms.CharField(label=_("Correct value"), max_length=100, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500)
