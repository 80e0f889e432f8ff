"""Forms of the manager's planning page (the API takes the same fields as JSON)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.planning.services import MAX_SECONDS


class BuildForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    seconds = forms.FloatField(
        label=_("Time budget (seconds)"), min_value=0.5, max_value=MAX_SECONDS, initial=10
    )


class ReoptimiseForm(forms.Form):
    """``pins``: lines ``visit id = team key``; ``forbidden``: visit ids separated by spaces."""

    pins = forms.CharField(
        label=_("Pin visits to teams (one “visit id = team” a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    forbidden = forms.CharField(
        label=_("Forbid visits (ids separated by spaces)"), required=False, max_length=20_000
    )
    seconds = forms.FloatField(
        label=_("Time budget (seconds)"), min_value=0.5, max_value=MAX_SECONDS, initial=5
    )

    def clean_pins(self) -> dict[str, str]:
        pins: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["pins"].splitlines(), start=1):
            if not line.strip():
                continue
            visit, sep, team = line.partition("=")
            if not sep or not visit.strip().isdigit() or not team.strip():
                raise forms.ValidationError(
                    _("Line %(line)s is not “visit id = team”.") % {"line": number}
                )
            pins[visit.strip()] = team.strip()
        return pins

    def clean_forbidden(self) -> list[str]:
        ids: list[str] = str(self.cleaned_data["forbidden"]).replace(",", " ").split()
        if not all(i.isdigit() for i in ids):
            raise forms.ValidationError(_("Give visit ids as numbers."))
        return ids

    def initial_from(self, plan: Any) -> None:
        self.initial = {
            "pins": "\n".join(f"{v} = {t}" for v, t in plan.pins.items()),
            "forbidden": " ".join(plan.forbidden),
            "seconds": 5,
        }
