"""The privacy pages for compliance officers: notices with their versions, purposes and legal
bases, retention rules, one customer's consents and notices shown, retention runs and their
reports. Customers are shown by their customer number only (no personal data is needed here).

A role that may not use a page gets 403; every write is one ``privacy.services`` (or
``retention``) call, whose refusal is shown on the field it names.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.cases.forms import add_domain_error
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.portfolio.models import Customer
from doorstep.privacy import retention, services
from doorstep.privacy.catalogue import (
    BASIS_NAMES,
    CATEGORY_NAMES,
    HOLD_NAMES,
    PURPOSE_BY_CODE,
    PURPOSES,
    RETENTION_RULES,
)
from doorstep.privacy.forms import (
    ConsentForm,
    CustomerLookupForm,
    NoticeForm,
    NoticeShownForm,
    RetentionForm,
)
from doorstep.privacy.models import ConsentEvent, RetentionRun
from doorstep.privacy.selectors import (
    CONSENT_RECORDERS,
    NOTICE_PUBLISHERS,
    PRIVACY_READERS,
    RETENTION_RUNNERS,
    consent_history,
    customer_consents,
    customer_get,
    customer_id_by_number,
    may,
    notice_in_force,
    notice_list,
    notices_shown,
    retention_runs,
)
from doorstep.staff.models import Role

PAGE_SIZE = 50


def _require(request: HttpRequest, roles: frozenset[Role]) -> None:
    if not may(request.user, roles):
        raise PermissionDenied


def _index_context(
    request: HttpRequest,
    notice_form: NoticeForm | None = None,
    lookup: CustomerLookupForm | None = None,
) -> dict[str, Any]:
    return {
        "notices": notice_list(),
        "in_force": notice_in_force(),
        "purposes": [
            {"purpose": p, "name": _(p.name), "basis": _(BASIS_NAMES[p.basis])} for p in PURPOSES
        ],
        "rules": [{"rule": r, "name": _(r.name)} for r in RETENTION_RULES],
        "categories": {code: _(name) for code, name in CATEGORY_NAMES.items()},
        "can_publish": may(request.user, NOTICE_PUBLISHERS),
        "notice_form": notice_form or NoticeForm(),
        "lookup": lookup or CustomerLookupForm(),
    }


@login_required
@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    _require(request, PRIVACY_READERS)
    return render(request, "privacy/index.html", _index_context(request))


@login_required
@require_POST
def notice_publish_view(request: HttpRequest) -> HttpResponse:
    _require(request, NOTICE_PUBLISHERS)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            notice = services.notice_publish(
                text_zh=form.cleaned_data["text_zh"],
                text_en=form.cleaned_data["text_en"],
                actor=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Notice version %(version)s published.") % {"version": notice.version}
            )
            return HttpResponseRedirect(reverse("privacy:index"))
    return render(request, "privacy/index.html", _index_context(request, notice_form=form))


@login_required
@require_GET
def customer_lookup_view(request: HttpRequest) -> HttpResponse:
    _require(request, PRIVACY_READERS)
    form = CustomerLookupForm(request.GET)
    if form.is_valid():
        number = form.cleaned_data["q"].strip()
        found = customer_id_by_number(number)
        if found is not None:
            return HttpResponseRedirect(reverse("privacy:customer", args=[found]))
        form.add_error("q", _("No customer has that number."))
    return render(request, "privacy/index.html", _index_context(request, lookup=form), status=404)


def _customer_context(
    request: HttpRequest,
    customer: Customer,
    consent_form: ConsentForm | None = None,
    shown_form: NoticeShownForm | None = None,
) -> dict[str, Any]:
    states = customer_consents(customer.pk)
    return {
        "customer": customer,
        "states": [{"state": s, "name": _(PURPOSE_BY_CODE[s.purpose].name)} for s in states],
        "history": consent_history(customer.pk),
        "shown": notices_shown(customer.pk),
        "can_record": may(request.user, CONSENT_RECORDERS),
        "consent_form": consent_form or ConsentForm(),
        "shown_form": shown_form or NoticeShownForm(),
    }


@login_required
@require_GET
def customer_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, PRIVACY_READERS)
    customer = customer_get(pk)
    return render(request, "privacy/customer.html", _customer_context(request, customer))


@login_required
@require_POST
def consent_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, CONSENT_RECORDERS)
    customer = customer_get(pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        record = (
            services.consent_give
            if data["action"] == ConsentEvent.Action.GIVEN
            else services.consent_withdraw
        )
        try:
            record(
                customer=customer,
                purpose=data["purpose"],
                channel=data["channel"],
                evidence=data["evidence"],
                actor=request.user,
                at=data["at"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Consent recorded."))
            return HttpResponseRedirect(reverse("privacy:customer", args=[customer.pk]))
    context = _customer_context(request, customer, consent_form=form)
    return render(request, "privacy/customer.html", context, status=400)


@login_required
@require_POST
def notice_shown_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, CONSENT_RECORDERS)
    customer = customer_get(pk)
    form = NoticeShownForm(request.POST)
    if form.is_valid():
        try:
            services.notice_shown_record(
                customer=customer,
                channel=form.cleaned_data["channel"],
                language=form.cleaned_data["language"],
                evidence=form.cleaned_data["evidence"],
                actor=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Notice shown recorded."))
            return HttpResponseRedirect(reverse("privacy:customer", args=[customer.pk]))
    context = _customer_context(request, customer, shown_form=form)
    return render(request, "privacy/customer.html", context, status=400)


def _retention_context(request: HttpRequest, form: RetentionForm | None = None) -> dict[str, Any]:
    page = Paginator(retention_runs(), PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "can_run": may(request.user, RETENTION_RUNNERS),
        "form": form or RetentionForm(),
        "rules": [{"rule": r, "name": _(r.name)} for r in RETENTION_RULES],
    }


@login_required
@require_http_methods(["GET", "POST"])
def retention_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _require(request, RETENTION_RUNNERS)
        form = RetentionForm(request.POST)
        if form.is_valid():
            try:
                run = retention.retention_run(
                    actor=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                    as_of=form.cleaned_data["as_of"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return HttpResponseRedirect(reverse("privacy:retention_run", args=[run.pk]))
        return render(
            request, "privacy/retention.html", _retention_context(request, form), status=400
        )
    _require(request, PRIVACY_READERS)
    return render(request, "privacy/retention.html", _retention_context(request))


@login_required
@require_GET
def retention_run_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, PRIVACY_READERS)
    run = get_object_or_404(RetentionRun, pk=pk)
    items = Paginator(run.items.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    names = {kind.value: _(name) for kind, name in HOLD_NAMES.items()}
    rows = [
        {"item": item, "holds": [names.get(hold, hold) for hold in item.holds]} for item in items
    ]
    report = run.report or {}
    categories = [
        {"code": code, "name": CATEGORY_NAMES.get(code, code), **values}
        for code, values in report.get("categories", {}).items()
    ]
    holds = [
        {"name": _(name), "count": report.get("holds", {}).get(kind.value, 0)}
        for kind, name in HOLD_NAMES.items()
    ]
    return render(
        request,
        "privacy/retention_run.html",
        {
            "run": run,
            "items": items,
            "customers": report.get("customers", {}),
            "categories": [{**c, "name": _(c["name"])} for c in categories],
            "holds": holds,
            "rows": rows,
        },
    )
