"""Forms of the agency screens: they parse input; the services decide what is allowed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.agencies.rules import MAX_BATCH, PlacementRules
from doorstep.cases.models import BUCKET_CHOICES
from doorstep.core.errors import DomainError
from doorstep.staff.models import Branch
from doorstep.staff.selectors import branch_list


class PlacementForm(forms.Form):
    buckets = forms.MultipleChoiceField(
        label=_("Buckets"),
        choices=[c for c in BUCKET_CHOICES if c[0] != "current"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False
    )
    min_amount = forms.DecimalField(
        label=_("Past due at least"), required=False, min_value=0, decimal_places=2
    )
    max_amount = forms.DecimalField(
        label=_("Past due at most"), required=False, min_value=0, decimal_places=2
    )
    min_dpd = forms.IntegerField(label=_("DPD at least"), required=False, min_value=0)
    max_dpd = forms.IntegerField(label=_("DPD at most"), required=False, min_value=0)
    limit = forms.IntegerField(
        label=_("Number of cases"), min_value=1, max_value=MAX_BATCH, initial=20
    )
    ends_on = forms.DateField(
        label=_("Placed until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branch_list()  # type: ignore[attr-defined]
        self.fields["ends_on"].initial = timezone.localdate() + timedelta(days=90)

    def rules(self) -> PlacementRules:
        data = self.cleaned_data
        return PlacementRules(
            buckets=tuple(data["buckets"]),
            branch=data["branch"].pk if data["branch"] else None,
            min_amount=data["min_amount"],
            max_amount=data["max_amount"],
            min_dpd=data["min_dpd"],
            max_dpd=data["max_dpd"],
            limit=data["limit"],
        )


class RecallForm(forms.Form):
    note = forms.CharField(label=_("Why"), max_length=500)


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
