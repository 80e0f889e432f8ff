"""The legal desk, the matter page and the legal panel on the case file (htmx).

Cases load through ``case_get`` and matters through ``matter_get`` (their scope checks); every
write is one service call. htmx posts get the panel or page fragment back; plain posts redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from doorstep.cases import lifecycle as case_lifecycle
from doorstep.cases.forms import add_domain_error
from doorstep.cases.models import Case
from doorstep.cases.selectors import CaseAction, case_can, case_get
from doorstep.core.errors import DomainError
from doorstep.core.views import case_panel_answer, login_required
from doorstep.legal import forms, selectors, services
from doorstep.legal.lifecycle import MatterStatus
from doorstep.legal.models import Document, GuaranteeContract, Matter
from doorstep.staff.selectors import staff_for


def _can_propose(request: HttpRequest, case: Case) -> bool:
    staff = staff_for(request.user)
    handable = (
        case_lifecycle.Status(case.status),
        case_lifecycle.Status.LEGAL,
    ) in case_lifecycle.TRANSITIONS
    return (
        staff is not None
        and handable
        and case_can(staff=staff, case=case, action=CaseAction.TRANSITION)
        and selectors.case_current_matter(case) is None
    )


def _panel(request: HttpRequest, case: Case, **extra: Any) -> HttpResponse:
    from doorstep.bureau.models import Certificate

    staff = staff_for(request.user)
    can_contact = staff is not None and case_can(staff=staff, case=case, action=CaseAction.NOTE)
    context = {
        "case": case,
        "matters": selectors.case_matters(case),
        # One demand form per contract, prefixed so the case page has no duplicate ids.
        "guarantees": [
            (row, forms.DemandForm(prefix=f"demand-{row.contract.pk}"))
            for row in selectors.case_guarantees(case)
        ],
        "can_propose": _can_propose(request, case),
        "can_contact": can_contact,
        "propose_form": extra.get("propose_form") or forms.ProposeForm(prefix="propose"),
        "can_record": selectors.can_record_guarantee(user=request.user, case=case),
        "contract_form": extra.get("contract_form")
        or forms.ContractForm(case=case, prefix="contract"),
        "demand_message": extra.get("demand_message", ""),
        "certificate": Certificate.objects.filter(case=case).only("number", "pk").first(),
    }
    return render(request, "legal/_case_panel.html", context)


def _after(request: HttpRequest, case: Case, **extra: Any) -> HttpResponse:
    return case_panel_answer(request, case.pk, "legal", lambda: _panel(request, case, **extra))


@login_required
@require_GET
def case_panel_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _panel(request, case_get(user=request.user, pk=pk))


@login_required
@require_POST
def propose_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk, action=CaseAction.TRANSITION)
    form = forms.ProposeForm(request.POST, prefix="propose")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.matter_propose(
                case=case,
                kind=data["kind"],
                claim_amount=data["claim_amount"],
                specialist=data["specialist"],
                reason=data["reason"],
                court=data["court"],
                actor=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after(request, case)
    return _panel(request, case, propose_form=form)


@login_required
@require_POST
def contract_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk)
    if not selectors.can_record_guarantee(user=request.user, case=case):
        raise PermissionDenied
    form = forms.ContractForm(request.POST, case=case, prefix="contract")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.guarantee_contract_record(
                guarantee=data["guarantee"],
                number=data["number"],
                kind=data["kind"],
                signed_on=data["signed_on"],
                debt_due_on=data["debt_due_on"],
                agreed_period_end=data["agreed_period_end"],
                actor=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after(request, case)
    return _panel(request, case, contract_form=form)


@login_required
@require_POST
def demand_view(request: HttpRequest, pk: int, contract: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk, action=CaseAction.NOTE)
    chosen = GuaranteeContract.objects.filter(
        pk=contract, guarantee__account__in=case.accounts.all()
    ).first()
    if chosen is None:
        raise Http404
    form = forms.DemandForm(request.POST, prefix=f"demand-{chosen.pk}")
    message = ""
    if form.is_valid():
        try:
            demand = services.guarantor_demand(
                contract=chosen,
                case=case,
                channel=form.cleaned_data["channel"],
                delivered=form.cleaned_data["delivered"],
                actor=request.user,
            )
        except DomainError as error:
            message = error.message
        else:
            if demand.blocked:
                from django.utils.translation import gettext as _

                message = _("Compliance did not allow this contact now; nothing was sent.")
    return _after(request, case, demand_message=message)


@login_required
@require_GET
def desk_view(request: HttpRequest) -> HttpResponse:
    staff = staff_for(request.user)
    if staff is None:
        raise PermissionDenied
    matters = selectors.matters_visible(user=request.user).order_by("status", "-created_at")[:200]
    today = timezone.localdate()
    context = {
        "matters": matters,
        "deadlines": selectors.deadlines_ahead(user=request.user, today=today),
        "guarantees": selectors.guarantees_ending(user=request.user, today=today),
    }
    return render(request, "legal/desk.html", context)


def _matter_context(request: HttpRequest, matter: Matter, **bound: Any) -> dict[str, Any]:
    can_edit = selectors.matter_can_edit(user=request.user, matter=matter)
    offered = OFFERED.get(MatterStatus(matter.status), ())
    blank = {name: ACTIONS[name][0]() for name in offered}
    return {
        "matter": matter,
        "can_edit": can_edit,
        "totals": selectors.matter_totals(matter),
        "hearings": matter.hearings.all(),
        "deadlines": matter.deadlines.all(),
        "money": matter.money_lines.select_related("recorded_by__staff"),
        "documents": matter.documents.select_related("uploaded_by__staff"),
        "forms": {**blank, **bound},
        "today": timezone.localdate(),
    }


@login_required
@require_GET
def matter_view(request: HttpRequest, pk: int) -> HttpResponse:
    matter = selectors.matter_get(user=request.user, pk=pk)
    return render(request, "legal/matter.html", _matter_context(request, matter))


def _file(matter: Matter, data: dict[str, Any], request: HttpRequest) -> object:
    return services.matter_file(matter=matter, actor=request.user, **data)


def _decide(matter: Matter, data: dict[str, Any], request: HttpRequest) -> object:
    return services.matter_decide(matter=matter, actor=request.user, **data)


def _enforce(matter: Matter, data: dict[str, Any], request: HttpRequest) -> object:
    return services.matter_enforce(matter=matter, actor=request.user, **data)


def _close(matter: Matter, data: dict[str, Any], request: HttpRequest) -> object:
    return services.matter_close(matter=matter, actor=request.user, **data)


def _hearing(matter: Matter, data: dict[str, Any], request: HttpRequest) -> object:
    return services.hearing_add(matter=matter, actor=request.user, **data)


def _deadline(matter: Matter, data: dict[str, Any], request: HttpRequest) -> object:
    return services.deadline_add(matter=matter, actor=request.user, **data)


def _money(matter: Matter, data: dict[str, Any], request: HttpRequest) -> object:
    return services.money_add(matter=matter, actor=request.user, **data)


def _document(matter: Matter, data: dict[str, Any], request: HttpRequest) -> object:
    return services.document_upload(
        matter=matter, upload=data["file"], title=data["title"], actor=request.user
    )


def _counsel(matter: Matter, data: dict[str, Any], request: HttpRequest) -> object:
    return services.counsel_set(matter=matter, actor=request.user, **data)


Service = Callable[[Matter, dict[str, Any], HttpRequest], object]
ACTIONS: dict[str, tuple[type[django_forms.Form], Service]] = {
    "file": (forms.FileForm, _file),
    "decide": (forms.DecideForm, _decide),
    "enforce": (forms.EnforceForm, _enforce),
    "close": (forms.CloseForm, _close),
    "hearing": (forms.HearingForm, _hearing),
    "deadline": (forms.DeadlineForm, _deadline),
    "money": (forms.MoneyForm, _money),
    "document": (forms.DocumentForm, _document),
    "counsel": (forms.CounselForm, _counsel),
}

# The forms the matter page offers at each status (the services enforce the same order).
_RECORDS = ("deadline", "money", "document", "counsel")
OFFERED: dict[MatterStatus, tuple[str, ...]] = {
    MatterStatus.PREPARING: ("file", "close", *_RECORDS),
    MatterStatus.FILED: ("decide", "hearing", *_RECORDS),
    MatterStatus.DECIDED: ("enforce", "close", *_RECORDS),
    MatterStatus.ENFORCEMENT: ("close", *_RECORDS),
}


@login_required
@require_POST
def matter_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    matter = selectors.matter_get(user=request.user, pk=pk)
    if action not in ACTIONS:
        raise Http404
    if not selectors.matter_can_edit(user=request.user, matter=matter):
        raise PermissionDenied
    form_class, service = ACTIONS[action]
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            service(matter, form.cleaned_data, request)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect(reverse("legal:matter", args=[matter.pk]))
    matter.refresh_from_db()
    context = _matter_context(request, matter, **{action: form})
    return render(request, "legal/matter.html", context, status=422)


@login_required
@require_GET
def document_view(request: HttpRequest, pk: int) -> HttpResponse:
    document = Document.objects.filter(pk=pk).first()
    if document is None:
        raise Http404
    selectors.matter_get(user=request.user, pk=document.matter_id)  # scope check
    data = services.document_bytes(document)
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.sha256[:12]}"'
    response["X-Content-SHA256"] = document.sha256
    return response
