"""Forms of the complaint screens: they read what people type; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.oversight.complaints.lifecycle import Extension
from doorstep.oversight.models import (
    CATEGORY_LABELS,
    EXTENSION_LABELS,
    OUTCOME_LABELS,
    ROOT_CAUSE_LABELS,
    Complaint,
)
from doorstep.staff.models import StaffMember
from doorstep.staff.selectors import FIELD_ROLES

CATEGORY_CHOICES = [(key.value, label) for key, label in CATEGORY_LABELS.items()]


class PublicComplaintForm(forms.Form):
    """The debtor-facing form: what happened, and how to reach the complainant."""

    category = forms.ChoiceField(label=_("What is it about?"), choices=CATEGORY_CHOICES)
    description = forms.CharField(
        label=_("What happened? (when, where, who)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    happened_on = forms.DateField(
        label=_("When did it happen?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    name = forms.CharField(label=_("Your name"), max_length=100)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)


class IntakeForm(PublicComplaintForm):
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[
            choice for choice in Complaint.Channel.choices if choice[0] != Complaint.Channel.WEB
        ],
    )
    received_at = forms.DateTimeField(
        label=_("Received at (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    field_order = ["channel", "received_at", "category", "description", "happened_on"]


class StatusForm(forms.Form):
    reference = forms.CharField(label=_("Reference number"), max_length=20)
    code = forms.CharField(label=_("Access code"), max_length=8)


class LinkForm(forms.Form):
    case_reference = forms.CharField(label=_("Case reference"), max_length=24, required=False)
    agent = forms.ModelChoiceField(
        label=_("Agent complained about (empty: the case's agent)"),
        queryset=StaffMember.objects.filter(
            is_active=True, role__in=sorted(FIELD_ROLES)
        ).select_related("branch"),
        required=False,
    )
    visit_reference = forms.CharField(label=_("Visit"), max_length=40, required=False)
    category = forms.ChoiceField(
        label=_("Correct the category"), choices=[("", "—"), *CATEGORY_CHOICES], required=False
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Investigation note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class EvidenceForm(forms.Form):
    ledger_index = forms.IntegerField(label=_("Ledger entry"), min_value=0)


class ExtendForm(forms.Form):
    extension = forms.ChoiceField(
        label=_("Extension"),
        choices=[
            (key.value, label)
            for key, label in EXTENSION_LABELS.items()
            if key is not Extension.NONE
        ],
    )
    reason = forms.CharField(
        label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(key.value, label) for key, label in OUTCOME_LABELS.items()]
    )
    root_cause = forms.ChoiceField(
        label=_("Root cause"),
        choices=[(key.value, label) for key, label in ROOT_CAUSE_LABELS.items()],
    )
    remedy = forms.CharField(
        label=_("Remedy"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    accountability = forms.CharField(
        label=_("Accountability action"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VerifyForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept and close")), ("reopen", _("Send back"))],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_("What you checked"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why you need the contact details"), max_length=200)
