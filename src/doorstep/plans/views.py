"""The plans panel on the case file: proposals, plans with their schedules, promises, and the
htmx forms to offer a plan, take a promise and record an acceptance.

The case file includes ``plans/_case_slot.html``, which loads the panel from here; every view
loads the case through ``case_get`` (its scope and action checks), every write is one service
call. htmx requests get the panel back; plain posts redirect to the case file.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from doorstep.cases.forms import add_domain_error
from doorstep.cases.models import Case
from doorstep.cases.selectors import CaseAction, case_can, case_get
from doorstep.core.errors import DomainError
from doorstep.core.views import case_panel_answer, login_required
from doorstep.plans import services
from doorstep.plans.documents_pdf import agreement_pdf, letter_pdf
from doorstep.plans.forms import AcceptForm, OfferForm, PromiseForm
from doorstep.plans.lifecycle import PlanStatus
from doorstep.plans.models import PLAN_TYPE_LABELS, Letter
from doorstep.plans.schedule import PlanType
from doorstep.plans.selectors import (
    case_letters,
    case_plan_options,
    case_plans,
    case_promises,
    letter_get,
    plan_get,
)
from doorstep.staff.selectors import staff_for


def _panel(request: HttpRequest, case: Case, **forms: Any) -> HttpResponse:
    staff = staff_for(request.user)
    can_offer = staff is not None and case_can(staff=staff, case=case, action=CaseAction.TRANSITION)
    context = {
        "case": case,
        "can_offer": can_offer,
        "proposals": case_plan_options(case=case, user=request.user, on=timezone.localdate()),
        "plans": case_plans(case),
        "promises": case_promises(case),
        "offer_form": forms.get("offer_form") or OfferForm(),
        "promise_form": forms.get("promise_form") or PromiseForm(),
        "accept_form": AcceptForm(),
        "accept_errors": forms.get("accept_errors", {}),
        "offered": PlanStatus.OFFERED.value,
        "letters": case_letters(case),
        "letter_error": forms.get("letter_error", ""),
        "letter_sent": Letter.Status.SENT.value,
    }
    return render(request, "plans/_case_panel.html", context)


def _after(request: HttpRequest, case: Case, **forms: Any) -> HttpResponse:
    return case_panel_answer(request, case.pk, "plans", lambda: _panel(request, case, **forms))


@login_required
@require_GET
def case_panel_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _panel(request, case_get(user=request.user, pk=pk))


@login_required
@require_POST
def plan_offer_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk, action=CaseAction.TRANSITION)
    form = OfferForm(request.POST)
    if form.is_valid():
        try:
            services.plan_offer(
                case=case,
                terms=form.terms(),
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after(request, case)
    return _panel(request, case, offer_form=form)


@login_required
@require_POST
def promise_take_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk, action=CaseAction.TRANSITION)
    form = PromiseForm(request.POST)
    if form.is_valid():
        try:
            services.promise_take(
                case=case,
                amount=form.cleaned_data["amount"],
                due_on=form.cleaned_data["due_on"],
                channel=form.cleaned_data["channel"],
                actor=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _after(request, case)
    return _panel(request, case, promise_form=form)


@login_required
@require_POST
def plan_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_get(user=request.user, pk=pk, action=CaseAction.TRANSITION)
    form = AcceptForm(request.POST)
    errors: dict[int, str] = {}
    if form.is_valid():
        try:
            services.plan_accept(
                plan=plan,
                actor=request.user,
                via=form.cleaned_data["via"],
                signature=form.cleaned_data["signature"],
            )
        except DomainError as error:
            errors[plan.pk] = error.message
        else:
            return _after(request, plan.case)
    else:
        errors[plan.pk] = "; ".join(str(e) for e in form.errors.get("via", []))
    return _panel(request, plan.case, accept_errors=errors)


@login_required
@require_POST
def letter_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a collection notice; a letter the gate blocks is listed as blocked."""
    case = case_get(user=request.user, pk=pk, action=CaseAction.TRANSITION)
    try:
        services.letter_send(case=case, actor=request.user)
    except DomainError as error:
        return _panel(request, case, letter_error=error.message)
    return _after(request, case)


@login_required
@require_POST
def letter_outcome_view(request: HttpRequest, pk: int) -> HttpResponse:
    letter = letter_get(user=request.user, pk=pk, action=CaseAction.TRANSITION)
    try:
        services.letter_outcome(
            letter=letter, delivered=request.POST.get("delivered") == "1", actor=request.user
        )
    except DomainError as error:
        return _panel(request, letter.case, letter_error=error.message)
    return _after(request, letter.case)


def _by_language(fields: dict[str, Any], language: str) -> dict[str, str]:
    return {
        key: value[language]
        for key, value in fields.items()
        if isinstance(value, dict) and language in value
    }


@login_required
@require_GET
@never_cache
def letter_print_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter as printed (both languages); the browser prints it or saves it as PDF."""
    letter = letter_get(user=request.user, pk=pk)
    context = {
        "letter": letter,
        "zh": _by_language(letter.fields, "zh-hans"),
        "en": _by_language(letter.fields, "en"),
    }
    return render(request, "plans/letter.html", context)


@login_required
@require_GET
@never_cache
def plan_agreement_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan agreement and its schedule, both languages, for printing and signature."""
    plan = plan_get(user=request.user, pk=pk)
    label = PLAN_TYPE_LABELS[PlanType(plan.plan_type)]
    with translation.override("zh-hans"):
        type_zh = str(label)
    with translation.override("en"):
        type_en = str(label)
    context = {
        "plan": plan,
        "instalments": plan.instalments.order_by("number"),
        "type_zh": type_zh,
        "type_en": type_en,
    }
    return render(request, "plans/agreement.html", context)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@require_GET
@never_cache
def letter_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    letter = letter_get(user=request.user, pk=pk)
    return _pdf(letter_pdf(letter), f"notice-{letter.case.reference}-{letter.pk}.pdf")


@login_required
@require_GET
@never_cache
def plan_agreement_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_get(user=request.user, pk=pk)
    return _pdf(agreement_pdf(plan), f"plan-{plan.case.reference}-{plan.pk}.pdf")
