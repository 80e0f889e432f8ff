"""The dashboard filters, read from the query string (the same names the API takes)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.portfolio.models import Account
from doorstep.reports.selectors import ReportFilters, last_run_day, report_branches, report_teams
from doorstep.staff.models import Branch, Team

DEFAULT_DAYS = 30
MAX_DAYS = 731


class ReportFilterForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)
    branch: forms.ModelChoiceField[Branch] = forms.ModelChoiceField(
        label=_("Branch"), queryset=None, required=False, empty_label=_("All branches")
    )
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False, empty_label=_("All teams")
    )
    product = forms.ChoiceField(
        label=_("Product"),
        required=False,
        choices=[("", _("All products")), *Account.Product.choices],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        branch_field: Any = self.fields["branch"]
        branch_field.queryset = report_branches(user=user)
        team_field: Any = self.fields["team"]
        team_field.queryset = report_teams(user=user)
        team_field.label_from_instance = lambda team: f"{team.branch.code} · {team.name}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        until: date = cleaned.get("until") or last_run_day() or timezone.localdate()
        since: date = cleaned.get("since") or until - timedelta(days=DEFAULT_DAYS)
        if since > until:
            self.add_error("since", _("The start of the range is after its end."))
        elif (until - since).days > MAX_DAYS:
            self.add_error("since", _("The range is at most two years long."))
        cleaned["since"], cleaned["until"] = since, until
        return cleaned

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            since=data["since"],
            until=data["until"],
            branch=data["branch"].pk if data.get("branch") else None,
            team=data["team"].pk if data.get("team") else None,
            product=data.get("product") or "",
        )
