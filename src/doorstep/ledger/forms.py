"""The entries browser's filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EntryFilterForm(forms.Form):
    # Typed, not chosen from a list: listing the kinds in use would read the whole log.
    kind = forms.RegexField(
        label=_("Kind"),
        required=False,
        max_length=64,
        regex=r"^[a-z][a-z0-9_.]*$",
        help_text=_("for example case.status_changed or payment.posted"),
        error_messages={"invalid": _("A kind is lowercase words joined by dots.")},
    )
    subject = forms.RegexField(
        label=_("Subject"),
        required=False,
        max_length=100,
        regex=r"^[a-z][a-z0-9_]*:\S+$",
        help_text=_("name:id, for example case:C260416-0000001"),
        error_messages={"invalid": _("Write the subject as name:id.")},
    )

    def subject_pair(self) -> tuple[str, str] | None:
        name, _colon, value = self.cleaned_data["subject"].partition(":")
        return (name, value) if value else None
