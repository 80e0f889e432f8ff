"""Forms of the compliance screens: they read what people type; the engine and the services
decide what is allowed, and their refusals land on the field they name."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.compliance.engine import Target
from doorstep.compliance.engine.profiles import rule_ids
from doorstep.compliance.models import (
    CHANNEL_CHOICES,
    HOLD_CHOICES,
    VERDICT_CHOICES,
    ParameterVersion,
)
from doorstep.compliance.selectors import ParameterField, parameter_fields
from doorstep.staff.models import Branch, StaffMember

# What each parameter means, for the change form (the engine's names are precise, not plain).
PARAMETER_HELP = {
    "contact_window": _("Bank-initiated contact only inside this window, debtor's local time."),
    "visit_window": _("Field visits only inside this window."),
    "visits_on_weekends": _("Field visits on ordinary weekends (not make-up workdays)."),
    "max_calls_per_day": _("Call attempts per debtor per local calendar day."),
    "max_visits_per_period": _("Visits per debtor in the period ending on the visit day."),
    "visit_period_days": _("Length of that period, in days."),
    "min_visit_staff": _("Staff on a field visit, at least."),
    "allowed_targets": _("Who may be contacted about the debt."),
    "limitation_years": _("Limitation period, in years."),
    "long_stop_years": _("Long-stop that nothing restarts, in years."),
    "suspension_months": _("Suspension: the period ends this long after an obstacle clears."),
    "limitation_warning_days": _("Warn this many days before expiry (largest first)."),
    "record_retention_years": _("Keep collection records this many years."),
    "max_calls_per_period": _("Counted calls per debt in the period."),
    "call_period_days": _("Length of that period, in days."),
    "conversation_quiet_days": _("No calls for this many days after a conversation."),
    "validation_notice_days": _("Validation notice within this many days."),
    "validation_period_days": _("Validation period, in days."),
    "statute_barred_years": _("Statute-barred after this many years."),
}
TARGET_CHOICES = [(target.value, target.value) for target in Target]
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=LOCAL_INPUT)


def _days_text(value: Any) -> str:
    return ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)


class ParameterForm(forms.Form):
    """Built from the profile's parameter dataclass: one field per parameter, filled with the
    values in force. ``changes()`` gives the values that differ, in the JSON form the engine
    validates (its refusal names the parameter, and shows on that field)."""

    effective_from = forms.DateTimeField(
        label=_("In force from"),
        widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"],
        help_text=_("Bank time (Asia/Shanghai). It takes effect once approved, not before."),
    )
    reason = forms.CharField(
        label=_("Why"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, profile: str, in_force: ParameterVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.in_force = in_force
        self.parameters = parameter_fields(profile, in_force.params)
        for parameter in self.parameters:
            self.fields[parameter.name] = self._field(parameter)
        self.fields["effective_from"].initial = timezone.localtime().strftime(LOCAL_INPUT)
        self.order_fields([p.name for p in self.parameters] + ["effective_from", "reason"])

    @staticmethod
    def _field(parameter: ParameterField) -> forms.Field:
        common: dict[str, Any] = {
            "label": parameter.name,
            "help_text": PARAMETER_HELP.get(parameter.name, ""),
        }
        match parameter.kind:
            case "bool":
                return forms.BooleanField(required=False, initial=parameter.value, **common)
            case "int":
                return forms.IntegerField(initial=parameter.value, **common)
            case "targets":
                return forms.MultipleChoiceField(
                    choices=TARGET_CHOICES,
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                    initial=parameter.value,
                    **common,
                )
            case "days":
                return forms.CharField(initial=_days_text(parameter.value), **common)
            case _:
                return forms.CharField(initial=parameter.value, **common)

    def changes(self) -> dict[str, Any]:
        """The parameters whose typed value differs from the version in force."""
        changed = {}
        for parameter in self.parameters:
            value = self.cleaned_data.get(parameter.name)
            if parameter.kind == "days":
                value = _parse_days(str(value or ""))
            elif parameter.kind == "targets":
                value = sorted(value or [])
            if value != parameter.value:
                changed[parameter.name] = value
        return changed

    def when(self) -> datetime:
        moment: datetime = self.cleaned_data["effective_from"]
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _parse_days(text: str) -> Any:
    """``"180, 90, 30"`` → ``[180, 90, 30]``; anything else is passed on as typed, for the
    engine to refuse with its message."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    try:
        return [int(part) for part in parts]
    except ValueError:
        return text


class CalendarUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Arrangement (JSON)"),
        help_text=_('{"year": 2027, "rest_days": ["2027-01-01", …], "makeup_workdays": [...]}'),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        required=False,
        help_text=_("Where it comes from, e.g. the State Council notice and its date."),
    )


if TYPE_CHECKING:
    _VersionChoiceField = forms.ModelChoiceField[ParameterVersion]
else:  # Django's classes are not subscriptable at run time.
    _VersionChoiceField = forms.ModelChoiceField


class VersionChoiceField(_VersionChoiceField):
    def label_from_instance(self, obj: ParameterVersion) -> str:
        return f"{obj.label} · {obj.get_status_display()}"


class PackForm(forms.Form):
    file = forms.FileField(label=_("Scenario pack (JSONL)"))
    version = VersionChoiceField(
        label=_("Parameters"),
        queryset=ParameterVersion.objects.none(),
        required=False,
        empty_label=_("In force now"),
        help_text=_("Any version, a pending proposal included: try a change before approving it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: VersionChoiceField = self.fields["version"]  # type: ignore[assignment]
        field.queryset = ParameterVersion.objects.order_by("profile", "-number")


class HoldForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=HOLD_CHOICES)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    allowed_channels = forms.MultipleChoiceField(
        label=_("Still allowed"),
        choices=CHANNEL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ends_at = forms.DateTimeField(
        label=_("Until (optional)"),
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"],
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionFilterForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=[("", _("All")), *VERDICT_CHOICES], required=False
    )
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=StaffMember.objects.none(), required=False, empty_label=_("All")
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=_("All")
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args: Any, profile: str, branch: Branch | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule_field: forms.ChoiceField = self.fields["rule"]  # type: ignore[assignment]
        rule_field.choices = [("", _("All")), *((rule, rule) for rule in rule_ids(profile))]
        agents = StaffMember.objects.filter(is_active=True).order_by("display_name")
        branches = Branch.objects.order_by("code")
        if branch is not None:
            agents = agents.filter(branch=branch)
            branches = branches.filter(pk=branch.pk)
        agent_field: forms.ModelChoiceField[StaffMember] = self.fields["agent"]  # type: ignore[assignment]
        agent_field.queryset = agents
        branch_field: forms.ModelChoiceField[Branch] = self.fields["branch"]  # type: ignore[assignment]
        branch_field.queryset = branches
