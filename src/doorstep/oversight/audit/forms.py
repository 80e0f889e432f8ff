"""Forms of the audit screens: they read what people type; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.oversight.audit.checklist import CHECKLIST
from doorstep.oversight.models import METHOD_LABELS, AuditCampaign, AuditFinding
from doorstep.staff.models import Branch, StaffMember


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    population_kind = forms.ChoiceField(
        label=gettext_lazy("Records"), choices=AuditCampaign.Population.choices
    )
    period_start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    branch = forms.ModelChoiceField(
        label=gettext_lazy("Branch (empty: all)"), queryset=Branch.objects.all(), required=False
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Method"), choices=[(k.value, v) for k, v in METHOD_LABELS.items()]
    )
    strata_by = forms.ChoiceField(
        label=gettext_lazy("Stratify by"),
        choices=[("", "—"), *AuditCampaign.StrataBy.choices],
        required=False,
    )
    size = forms.IntegerField(label=gettext_lazy("Sample size"), min_value=1, max_value=2000)


ANSWERS = [
    ("pass", gettext_lazy("Pass")),
    ("fail", gettext_lazy("Fail")),
    ("na", gettext_lazy("N/A")),
]


class ReviewForm(forms.Form):
    """One pass / fail / n/a choice per checklist item, and a note."""

    note = forms.CharField(
        label=gettext_lazy("Note (required when an item fails)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in CHECKLIST.items():
            self.fields[code] = forms.ChoiceField(
                label=_(label), choices=ANSWERS, widget=forms.RadioSelect, initial="pass"
            )
        self.order_fields([*CHECKLIST, "note"])

    def results(self) -> dict[str, str]:
        return {code: self.cleaned_data[code] for code in CHECKLIST}


class FindingForm(forms.Form):
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), choices=AuditFinding.Severity.choices
    )
    checklist_item = forms.ChoiceField(label=gettext_lazy("Checklist item"), required=False)
    description = forms.CharField(
        label=gettext_lazy("Finding"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checklist_item"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((code, _(label)) for code, label in CHECKLIST.items()),
        ]


class RemediationForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Owner"),
        queryset=StaffMember.objects.filter(is_active=True).select_related("branch"),
    )
    action = forms.CharField(label=gettext_lazy("Action"), max_length=2000)
    due_on = forms.DateField(
        label=gettext_lazy("Due"), widget=forms.DateInput(attrs={"type": "date"})
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=2000, required=False)
    decision = forms.ChoiceField(
        choices=[("accept", "accept"), ("reopen", "reopen"), ("done", "done")],
        widget=forms.HiddenInput,
        required=False,
    )
