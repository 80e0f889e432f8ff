"""The case page's forms for offering a plan, taking a promise and recording an acceptance."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.plans.models import PLAN_TYPE_LABELS, Promise
from doorstep.plans.schedule import MAX_MONTHS, PlanType, Terms


def _pct(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=0, max_value=100, decimal_places=2, initial=Decimal("0")
    )


class OfferForm(forms.Form):
    plan_type = forms.ChoiceField(
        label=_("Plan type"), choices=[(t.value, PLAN_TYPE_LABELS[t]) for t in PlanType]
    )
    months = forms.IntegerField(label=_("Months"), min_value=1, max_value=MAX_MONTHS, initial=12)
    annual_rate = forms.DecimalField(
        label=_("Annual interest rate (fraction, e.g. 0.12)"),
        min_value=0,
        max_value=1,
        decimal_places=4,
        initial=Decimal("0"),
    )
    monthly_fee_pct = forms.DecimalField(
        label=_("Monthly fee (per cent of the amount)"),
        min_value=0,
        max_value=5,
        decimal_places=2,
        initial=Decimal("0"),
    )
    penalty_waiver_pct = _pct(_("Penalty waiver (%)"))
    interest_waiver_pct = _pct(_("Interest waiver (%)"))
    principal_discount_pct = _pct(_("Principal discount (%, settlements)"))
    holiday_months = forms.IntegerField(
        label=_("Payment holiday (months)"), min_value=0, max_value=6, initial=0
    )
    first_payment = forms.DecimalField(
        label=_("First payment (0: equal)"), min_value=0, decimal_places=2, initial=Decimal("0")
    )
    reason = forms.CharField(
        label=_("Why (needed when approval is required)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def terms(self) -> Terms:
        data = self.cleaned_data
        return Terms(
            plan_type=PlanType(data["plan_type"]),
            months=data["months"],
            annual_rate=data["annual_rate"],
            monthly_fee_pct=data["monthly_fee_pct"],
            penalty_waiver_pct=data["penalty_waiver_pct"],
            interest_waiver_pct=data["interest_waiver_pct"],
            principal_discount_pct=data["principal_discount_pct"],
            holiday_months=data["holiday_months"],
            first_payment=data["first_payment"],
        )


class PromiseForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), decimal_places=2)
    due_on = forms.DateField(label=_("Promised by"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(label=_("Taken by"), choices=Promise.Channel.choices)


class AcceptForm(forms.Form):
    via = forms.ChoiceField(
        label=_("Accepted"),
        choices=[
            ("in_person", _("In person")),
            ("self_service", _("In the self-service assistant")),
        ],
    )
    signature = forms.CharField(
        label=_("Signature (captured in the field app)"),
        required=False,
        widget=forms.HiddenInput,
    )
