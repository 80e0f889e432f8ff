"""The repayment-policy form: every rule of ``policy.DEFAULT_RULES`` as a field a manager can
read and change, turned back into the JSON document ``services.policy_propose`` validates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.cases.models import BUCKET_CHOICES
from doorstep.plans.allocation import DEFAULT_ORDER
from doorstep.plans.models import PLAN_TYPE_LABELS
from doorstep.plans.schedule import MAX_MONTHS, PlanType, Roll
from doorstep.portfolio.models import Account

PERCENT = {"min_value": Decimal(0), "max_value": Decimal(100), "decimal_places": 2}
CAPS = (
    ("max_penalty_waiver_pct", _("Largest penalty waiver (per cent)")),
    ("max_interest_waiver_pct", _("Largest interest waiver (per cent)")),
    ("max_settlement_discount_pct", _("Largest settlement discount (per cent)")),
    ("min_first_payment_pct", _("Smallest first payment (per cent of the amount financed)")),
)
LIMITS = (
    ("max_months", _("months")),
    ("max_principal_discount_pct", _("principal discount (per cent)")),
    ("max_interest_waiver_pct", _("interest waiver (per cent)")),
    ("max_penalty_waiver_pct", _("penalty waiver (per cent)")),
)
LEVELS = (("agent", _("Agent")), ("manager", _("Manager")))
ROLL_LABELS = {
    Roll.FOLLOWING: _("Next working day"),
    Roll.MODIFIED_FOLLOWING: _("Next working day, unless that leaves the month"),
    Roll.PRECEDING: _("Previous working day"),
    Roll.NONE: _("Keep the date"),
}
PARTS_LABELS = {
    "fee": _("fees"),
    "penalty": _("penalties"),
    "interest": _("interest"),
    "principal": _("principal"),
}


class PolicyForm(forms.Form):
    product = forms.ChoiceField(
        label=_("Product"),
        required=False,
        choices=[("", _("Every product")), *Account.Product.choices],
    )
    bucket = forms.ChoiceField(
        label=_("Bucket"), required=False, choices=[("", _("Every bucket")), *BUCKET_CHOICES]
    )
    effective_from = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    plan_types = forms.MultipleChoiceField(
        label=_("Plans allowed"),
        choices=[(kind.value, PLAN_TYPE_LABELS[kind]) for kind in PlanType],
        widget=forms.CheckboxSelectMultiple,
    )
    max_holiday_months = forms.IntegerField(
        label=_("Longest payment holiday (months)"), min_value=0, max_value=6
    )
    grace_days = forms.IntegerField(
        label=_("Days of grace before a missed instalment breaks the plan"),
        min_value=0,
        max_value=90,
    )
    roll = forms.ChoiceField(
        label=_("A due date on a rest day moves to"),
        choices=[(roll.value, ROLL_LABELS[roll]) for roll in Roll],
    )
    allocation_order = forms.CharField(
        label=_("Order payments pay off"),
        max_length=60,
        help_text=_("The four parts, first paid first, separated by commas: %(parts)s.")
        % {"parts": ", ".join(DEFAULT_ORDER)},
    )
    reason = forms.CharField(
        label=_("Why this change"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in PlanType:
            self.fields[f"months_{kind.value}"] = forms.IntegerField(
                label=_("Longest “%(plan)s” (months)") % {"plan": PLAN_TYPE_LABELS[kind]},
                min_value=1,
                max_value=1 if kind is PlanType.SETTLEMENT else MAX_MONTHS,
                required=False,
            )
        for name, label in CAPS:
            self.fields[name] = forms.DecimalField(label=label, **PERCENT)  # type: ignore[arg-type]
        for level, level_label in LEVELS:
            for name, label in LIMITS:
                field_label = _("%(level)s may grant: %(what)s") % {
                    "level": level_label,
                    "what": label,
                }
                if name == "max_months":
                    self.fields[f"{level}_{name}"] = forms.IntegerField(
                        label=field_label, min_value=1, max_value=MAX_MONTHS
                    )
                else:
                    self.fields[f"{level}_{name}"] = forms.DecimalField(
                        label=field_label,
                        **PERCENT,  # type: ignore[arg-type]
                    )

    @staticmethod
    def initial_from(rules: dict[str, Any]) -> dict[str, Any]:
        """Field values showing the policy document ``rules``."""
        initial: dict[str, Any] = {
            "plan_types": list(rules.get("plan_types", [])),
            "max_holiday_months": rules.get("max_holiday_months"),
            "grace_days": rules.get("grace_days"),
            "roll": rules.get("roll"),
            "allocation_order": ", ".join(rules.get("allocation_order", DEFAULT_ORDER)),
            "effective_from": timezone.localdate(),
        }
        for kind, months in rules.get("max_months", {}).items():
            initial[f"months_{kind}"] = months
        for name, _label in CAPS:
            initial[name] = rules.get(name)
        for level, _level_label in LEVELS:
            for name, _label in LIMITS:
                initial[f"{level}_{name}"] = rules.get("limits", {}).get(level, {}).get(name)
        return initial

    def rules(self) -> dict[str, Any]:
        """The policy document the valid form describes (percentages as strings, exact)."""
        data = self.cleaned_data
        kinds = list(data["plan_types"])
        return {
            "plan_types": kinds,
            "max_months": {
                kind: data[f"months_{kind}"] for kind in kinds if data.get(f"months_{kind}")
            },
            **{name: str(data[name]) for name, _label in CAPS},
            "max_holiday_months": data["max_holiday_months"],
            "allocation_order": [
                part.strip() for part in data["allocation_order"].split(",") if part.strip()
            ],
            "grace_days": data["grace_days"],
            "roll": data["roll"],
            "limits": {
                level: {
                    name: data[f"{level}_{name}"]
                    if name == "max_months"
                    else str(data[f"{level}_{name}"])
                    for name, _label in LIMITS
                }
                for level, _level_label in LEVELS
            },
        }

    def field_for_rule(self, rule: str) -> str | None:
        """The form field a policy problem (``rules.limits.agent``, ``rules.roll``…) belongs
        to, or None for the form as a whole."""
        name = rule.removeprefix("rules.")
        if name in self.fields:
            return name
        if f"months_{name}" in self.fields:
            return f"months_{name}"
        if name.startswith("limits."):
            level = name.split(".")[1]
            return f"{level}_max_months" if f"{level}_max_months" in self.fields else None
        return None
