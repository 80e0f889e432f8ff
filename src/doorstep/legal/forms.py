"""Forms of the legal pages; labels translated, services do the checking."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from doorstep.cases.models import Case
from doorstep.legal.guarantee import GuaranteeKind
from doorstep.legal.lifecycle import MatterKind
from doorstep.legal.models import GUARANTEE_LABELS, KIND_LABELS, MoneyLine
from doorstep.portfolio.models import Guarantor
from doorstep.staff.models import Role, StaffMember

DATE = forms.DateInput(attrs={"type": "date"})


class ProposeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), choices=[(k.value, KIND_LABELS[k]) for k in MatterKind]
    )
    claim_amount = forms.DecimalField(label=_("Amount claimed"), max_digits=16, decimal_places=2)
    specialist = forms.ModelChoiceField(
        label=_("Legal specialist"),
        queryset=StaffMember.objects.filter(role=Role.LEGAL_SPECIALIST, is_active=True),
    )
    court = forms.CharField(label=_("Court or tribunal"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("Why legal action"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FileForm(forms.Form):
    filed_on = forms.DateField(label=_("Filed on"), widget=DATE)
    court = forms.CharField(label=_("Court or tribunal"), max_length=100)
    court_reference = forms.CharField(label=_("Court case number"), max_length=60, required=False)


class DecideForm(forms.Form):
    ended_on = forms.DateField(label=_("Proceedings ended on"), widget=DATE)
    judgment = forms.CharField(
        label=_("Judgment or outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    judgment_amount = forms.DecimalField(
        label=_("Amount awarded"), max_digits=16, decimal_places=2, required=False
    )


class EnforceForm(forms.Form):
    on = forms.DateField(label=_("Applied for on"), widget=DATE)
    reference = forms.CharField(label=_("Enforcement case number"), max_length=60, required=False)


class CloseForm(forms.Form):
    on = forms.DateField(label=_("Closed on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class HearingForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Hearing at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(
        label=pgettext_lazy("hearing location", "Place"), max_length=100, required=False
    )


class DeadlineForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    what = forms.CharField(label=_("What is due"), max_length=200)
    remind_days = forms.IntegerField(
        label=_("Remind days before"), min_value=0, max_value=365, initial=7
    )


class MoneyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MoneyLine.Kind.choices)
    on = forms.DateField(label=_("On"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2)
    note = forms.CharField(label=_("What for"), max_length=200)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))


class CounselForm(forms.Form):
    name = forms.CharField(label=_("Counsel"), max_length=100)
    firm = forms.CharField(label=_("Law firm"), max_length=100, required=False)
    outside = forms.BooleanField(label=_("Outside counsel"), required=False)
    user_staff = forms.ModelChoiceField(
        label=_("Counsel's user"),
        queryset=StaffMember.objects.filter(role=Role.LEGAL_SPECIALIST, is_active=True),
        required=False,
    )


class DemandForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            ("letter", _("Letter")),
            ("sms", _("SMS")),
            ("email", _("E-mail")),
            ("call", _("Call")),
            ("visit", _("Visit")),
        ],
    )
    delivered = forms.BooleanField(label=_("Reached the guarantor"), required=False)


class ContractForm(forms.Form):
    guarantee = forms.ModelChoiceField(label=_("Guarantor"), queryset=Guarantor.objects.none())
    number = forms.CharField(label=_("Contract number"), max_length=40)
    kind = forms.ChoiceField(
        label=_("Type"), choices=[(k.value, GUARANTEE_LABELS[k]) for k in GuaranteeKind]
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    debt_due_on = forms.DateField(label=_("Principal debt due on"), widget=DATE)
    agreed_period_end = forms.DateField(
        label=_("Agreed guarantee period ends"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty when the contract sets none: six months from the due date."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["guarantee"]
        field.queryset = Guarantor.objects.filter(
            account__in=case.accounts.all(), contract__isnull=True
        ).select_related("guarantor", "account")
        field.label_from_instance = lambda g: f"{g.guarantor.name} · {g.account.external_id}"
