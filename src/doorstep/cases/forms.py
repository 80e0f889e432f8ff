"""Forms of the case screens: they parse what people type; the services decide what is allowed.

Action forms leave the rules to ``cases.services`` (a missing reason, an agent of the wrong
branch): the service's ``DomainError`` is put on the field it names, so one message, written
once, reaches the API and the screen alike.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from doorstep.cases import lifecycle
from doorstep.cases.models import BUCKET_CHOICES, STATUS_CHOICES, STATUS_LABELS, Case
from doorstep.cases.selectors import (
    DEFAULT_SORT,
    PARTICIPANT_CAPACITY,
    SORTS,
    CaseFilters,
    attachable_staff,
    case_visible,
)
from doorstep.core.errors import DomainError
from doorstep.staff.models import Branch, StaffMember
from doorstep.staff.selectors import FIELD_ROLES, assignable_agents, branch_list, staff_for

PAGE_SIZES = (25, 50, 100)
SEARCH_MAX_LENGTH = 60

# A search term is sent in the URL. A national ID or mobile number typed there would end up in
# browser history and server logs, so such terms are refused before anything is searched.
_NATIONAL_ID = re.compile(r"^[1-8]\d{5}(?P<birth>(19|20)\d{6})\d{3}[\dXx]$")
_MOBILE = re.compile(r"^(\+?86)?1[3-9]\d{9}$")


def looks_like_personal_data(term: str) -> bool:
    """Whether ``term`` is a mainland mobile number or shaped like a national ID (region code,
    a real date of birth, sequence and check character). The check digit is not required:
    a mistyped ID is still personal data."""
    compact = re.sub(r"[\s-]", "", term)
    if _MOBILE.match(compact):
        return True
    match = _NATIONAL_ID.match(compact)
    if match is None:
        return False
    try:
        datetime.strptime(match["birth"], "%Y%m%d")  # noqa: DTZ007 (a date, no time zone)
    except ValueError:
        return False
    return True


if TYPE_CHECKING:
    _StaffChoiceField = forms.ModelChoiceField[StaffMember]
else:  # Django's classes are not subscriptable at run time.
    _StaffChoiceField = forms.ModelChoiceField


class AgentChoiceField(_StaffChoiceField):
    def label_from_instance(self, obj: StaffMember) -> str:
        branch = obj.branch.code if obj.branch else ""
        return f"{obj.display_name} · {branch}" if branch else obj.display_name


class StaffChoiceField(_StaffChoiceField):
    def label_from_instance(self, obj: StaffMember) -> str:
        return f"{obj.display_name} · {obj.get_role_display()}"


class CaseFilterForm(forms.Form):
    """The case list's filters, read from the query string (names shared with the API)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("Case reference, customer name, customer number or account number."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    bucket = forms.MultipleChoiceField(
        label=_("Bucket"),
        required=False,
        choices=BUCKET_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        required=False,
        choices=STATUS_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), required=False, queryset=Branch.objects.none(), empty_label=_("All")
    )
    agent = AgentChoiceField(
        label=_("Agent"), required=False, queryset=StaffMember.objects.none(), empty_label=_("All")
    )
    min_amount = forms.DecimalField(
        label=_("Past due from"), required=False, min_value=Decimal(0), decimal_places=2
    )
    max_amount = forms.DecimalField(
        label=_("Past due to"), required=False, min_value=Decimal(0), decimal_places=2
    )
    min_dpd = forms.IntegerField(label=_("DPD from"), required=False, min_value=0)
    max_dpd = forms.IntegerField(label=_("DPD to"), required=False, min_value=0)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[(key, key) for key in SORTS])
    page_size = forms.TypedChoiceField(
        label=_("Per page"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(size, size) for size in PAGE_SIZES],
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        staff = staff_for(user)
        visible = case_visible(user=user)
        branches = Branch.objects.filter(Exists(visible.filter(branch=OuterRef("pk"))))
        if staff is not None and staff.branch_id is not None:
            branches = branches | Branch.objects.filter(pk=staff.branch_id)
        branch_ids = sorted(set(branches.values_list("pk", flat=True)))
        branch_field: forms.ModelChoiceField[Branch] = self.fields["branch"]  # type: ignore[assignment]
        branch_field.queryset = branch_list().filter(pk__in=branch_ids)
        agent_field: AgentChoiceField = self.fields["agent"]  # type: ignore[assignment]
        if staff is not None and staff.role in FIELD_ROLES:
            agent_field.queryset = StaffMember.objects.filter(pk=staff.pk)
        else:
            agent_field.queryset = (
                StaffMember.objects.filter(
                    branch_id__in=branch_ids, is_active=True, role__in=sorted(FIELD_ROLES)
                )
                .select_related("branch")
                .order_by("branch__code", "display_name")
            )
        # A choice between one option is no choice: hide it rather than show a dead control.
        self.shows_branch = len(branch_ids) > 1
        self.shows_agent = agent_field.queryset.count() > 1

    def clean_q(self) -> str:
        term: str = self.cleaned_data["q"].strip()
        if looks_like_personal_data(term):
            raise forms.ValidationError(
                _(
                    "ID and phone numbers cannot be searched: they would be kept in the "
                    "address bar and logs. Search by name, customer number or account number."
                ),
                code="personal_data",
            )
        return term

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for low, high in (("min_amount", "max_amount"), ("min_dpd", "max_dpd")):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, _("Must not be below the lower bound."))
        return data

    def filters(self) -> CaseFilters:
        """The selector's filters from a valid form."""
        data = self.cleaned_data
        branch = data.get("branch")
        agent = data.get("agent")
        return CaseFilters(
            buckets=tuple(data.get("bucket") or ()),
            statuses=tuple(data.get("status") or ()),
            branch=branch.pk if branch else None,
            agent=agent.pk if agent else None,
            min_amount=data.get("min_amount"),
            max_amount=data.get("max_amount"),
            min_dpd=data.get("min_dpd"),
            max_dpd=data.get("max_dpd"),
            search=data.get("q") or "",
            sort=data.get("sort") or DEFAULT_SORT,
        )

    def per_page(self) -> int:
        size = self.cleaned_data.get("page_size") if self.is_valid() else None
        return int(size) if size else PAGE_SIZES[0]


def reason_field(*, max_length: int = 500, label: Any = None) -> forms.CharField:
    """A free-text reason; whether one is needed is the service's call, not the form's."""
    return forms.CharField(
        label=label or _("Reason"),
        required=False,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    reason = reason_field()

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = lifecycle.allowed_targets(lifecycle.Status(case.status))
        status_field: forms.ChoiceField = self.fields["status"]  # type: ignore[assignment]
        status_field.choices = [(t.value, STATUS_LABELS[t]) for t in targets]


class AssignForm(forms.Form):
    agent = AgentChoiceField(label=_("Agent"), queryset=StaffMember.objects.none())
    reason = reason_field()

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agent_field: AgentChoiceField = self.fields["agent"]  # type: ignore[assignment]
        agent_field.queryset = (
            assignable_agents(branch=case.branch).select_related("branch").order_by("display_name")
        )


class TransferForm(forms.Form):
    to_branch = forms.ModelChoiceField(label=_("To branch"), queryset=Branch.objects.none())
    reason = reason_field()

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        branch_field: forms.ModelChoiceField[Branch] = self.fields["to_branch"]  # type: ignore[assignment]
        branch_field.queryset = branch_list().exclude(pk=case.branch_id)


class AttachForm(forms.Form):
    """Attach a specialist; the capacity follows from their role."""

    staff = StaffChoiceField(label=_("Specialist"), queryset=StaffMember.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff_field: StaffChoiceField = self.fields["staff"]  # type: ignore[assignment]
        staff_field.queryset = attachable_staff().order_by("role", "display_name")

    @property
    def capacity(self) -> str:
        member: StaffMember = self.cleaned_data["staff"]
        return str(PARTICIPANT_CAPACITY[member.role])  # type: ignore[index]


class EntryForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the full ID and phone numbers?"),
        required=False,
        max_length=200,
    )


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the field it names, or above the form if none matches."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
