from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.access.selectors import LogFilters


class LogFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("Reveals and exports")),
            ("reveal", _("Reveals")),
            ("export", _("Exports")),
        ],
    )
    username = forms.CharField(label=_("Login"), required=False, max_length=150)
    customer = forms.CharField(
        label=_("Customer number"),
        required=False,
        max_length=40,
        help_text=_("The bank's customer number, not an ID or phone number."),
    )
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)

    def filters(self) -> LogFilters:
        data = self.cleaned_data
        return LogFilters(
            kind=data["kind"],
            username=data["username"].strip(),
            customer=data["customer"].strip(),
            since=data["since"],
            until=data["until"],
        )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("What you found"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
