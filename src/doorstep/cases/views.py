"""The case screens: the filtered list, the case file, and the actions taken on it.

Every case is loaded through ``cases.selectors`` (``case_list`` / ``case_get``), so scoping is
decided in one place: a case outside the reader's scope is a 404, an action their role may not
take is a 403. Every write goes through ``cases.services`` or ``portfolio.services``.

The list answers htmx requests with just the results, and the same URL with the whole page
otherwise, so filters work without JavaScript and a pushed URL can be bookmarked or reloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from doorstep.agencies.services import agency_profile
from doorstep.cases import services
from doorstep.cases.forms import (
    AssignForm,
    AttachForm,
    CaseFilterForm,
    EntryForm,
    RevealForm,
    StatusForm,
    TransferForm,
    add_domain_error,
)
from doorstep.cases.models import BucketChange, Case, Entry
from doorstep.cases.selectors import (
    CaseAction,
    case_actions,
    case_entries,
    case_get,
    case_history,
    case_list,
    is_agency_reader,
)
from doorstep.core.errors import DomainError
from doorstep.core.templatetags.ui import format_day, format_money
from doorstep.core.views import login_required
from doorstep.portfolio.selectors import CustomerProfile, customer_profile
from doorstep.portfolio.services import personal_data_reveal


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@dataclass(frozen=True)
class Column:
    """A column of the case list; ``sort`` is its key in ``selectors.SORTS``, if sortable."""

    label: Any
    sort: str = ""
    descending_first: bool = False
    numeric: bool = False


COLUMNS = (
    Column(gettext_lazy("Case"), "reference"),
    Column(gettext_lazy("Customer"), "customer"),
    Column(gettext_lazy("Branch")),
    Column(gettext_lazy("Agent")),
    Column(gettext_lazy("Status")),
    Column(gettext_lazy("Bucket")),
    Column(gettext_lazy("DPD"), "dpd", descending_first=True, numeric=True),
    Column(gettext_lazy("Past due"), "amount", descending_first=True, numeric=True),
    Column(gettext_lazy("Unpaid total"), numeric=True),
    Column(gettext_lazy("Opened"), "opened", descending_first=True),
)


def _headers(current: str) -> list[dict[str, Any]]:
    """Each column with the sort a click asks for and the arrow showing the current one."""
    headers = []
    for column in COLUMNS:
        header: dict[str, Any] = {"column": column, "next": "", "direction": ""}
        if column.sort:
            if current == column.sort:
                header.update(next=f"-{column.sort}", direction="ascending")
            elif current == f"-{column.sort}":
                header.update(next=column.sort, direction="descending")
            else:
                header["next"] = f"-{column.sort}" if column.descending_first else column.sort
        headers.append(header)
    return headers


@login_required
@require_GET
def case_list_view(request: HtmxHttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET, user=request.user)
    page = None
    if form.is_valid():
        filters = form.filters()
        cases = case_list(user=request.user, filters=filters)
        page = Paginator(cases, form.per_page()).get_page(request.GET.get("page"))
        sort = filters.sort
    else:
        sort = ""
    context = {"form": form, "page": page, "headers": _headers(sort)}
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    template = "cases/_results.html" if partial else "cases/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    if partial and page is None:
        # Invalid input (perhaps a phone number in the search box) is not worth a history entry.
        response["HX-Push-Url"] = "false"
    return response


def bucket_cause(change: BucketChange) -> str:
    """Why the case changed bucket, in words a person checks against the statements."""
    amount = format_money(change.cause_amount)
    on = format_day(change.cause_date)
    match change.cause:
        case BucketChange.Cause.OPENED:
            return _("case opened: due of %(date)s unpaid, %(amount)s past due") % {
                "date": on,
                "amount": amount,
            }
        case BucketChange.Cause.MISSED_DUE:
            return _("due of %(date)s (%(amount)s) not paid") % {"date": on, "amount": amount}
        case BucketChange.Cause.PAYMENT:
            return _("payment of %(amount)s") % {"amount": amount}
        case BucketChange.Cause.REVERSAL:
            return _("payment of %(amount)s reversed") % {"amount": amount}
        case _:
            return _("arrears aged: due of %(date)s still unpaid") % {"date": on}


def _permissions(request: HtmxHttpRequest, case: Case) -> dict[str, bool]:
    """What the reader may do here, so the page shows only the actions that would succeed."""
    allowed = set(case_actions(user=request.user, case=case))
    return {action.value: action in allowed for action in CaseAction}


def _action_forms(case: Case) -> dict[str, Any]:
    return {
        "status_form": StatusForm(case=case),
        "assign_form": AssignForm(case=case),
        "transfer_form": TransferForm(case=case),
        "attach_form": AttachForm(),
    }


def _profile(case: Case, *, revealed: bool = False) -> CustomerProfile:
    return customer_profile(customer=case.customer, accounts=case.accounts.all(), revealed=revealed)


def _reader_profile(request: HtmxHttpRequest, case: Case) -> CustomerProfile:
    """The 360 as this reader may see it: masked, or cut to an agency's contract."""
    if is_agency_reader(user=request.user):
        return agency_profile(
            user=request.user, case=case, remote_addr=request.META.get("REMOTE_ADDR"), channel="web"
        )
    return _profile(case)


def _detail_context(
    request: HtmxHttpRequest,
    case: Case,
    *,
    profile: CustomerProfile | None = None,
    reveal_form: RevealForm | None = None,
    **forms: Any,
) -> dict[str, Any]:
    entries = list(case_entries(case=case))
    history = case_history(case=case)
    return {
        "case": case,
        "language_next": reverse("cases:detail", args=[case.pk]),
        "can": _permissions(request, case),
        "profile": profile or _reader_profile(request, case),
        "reveal_form": reveal_form or RevealForm(),
        "bucket_changes": [
            {"change": change, "cause": bucket_cause(change)} for change in history.bucket_changes
        ],
        "history": history,
        "participants": case.participants.select_related("staff"),
        "notes": [e for e in entries if e.kind == Entry.Kind.NOTE],
        "thread": [e for e in entries if e.kind == Entry.Kind.MESSAGE],
        "note_form": EntryForm(),
        "message_form": EntryForm(),
        **_action_forms(case),
        **forms,
    }


@login_required
@require_GET
@never_cache
def case_detail_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


def _done(request: HtmxHttpRequest, case: Case, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + anchor)


def _refused(request: HtmxHttpRequest, case: Case, **forms: Any) -> HttpResponse:
    """The case file again, with the refused form showing why."""
    return render(request, "cases/detail.html", _detail_context(request, case, **forms))


@login_required
@require_POST
def case_status_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk, action=CaseAction.TRANSITION)
    form = StatusForm(request.POST, case=case)
    if form.is_valid():
        try:
            case = services.case_transition(
                case=case,
                target=form.cleaned_data["status"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(
                request,
                case,
                _("Status changed to %(status)s.") % {"status": case.get_status_display()},
            )
    return _refused(request, case, status_form=form)


@login_required
@require_POST
def case_assign_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk, action=CaseAction.ASSIGN)
    form = AssignForm(request.POST, case=case)
    if form.is_valid():
        agent = form.cleaned_data["agent"]
        try:
            case = services.case_assign(
                case=case, agent=agent, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(request, case, _("Assigned to %(name)s.") % {"name": agent.display_name})
    return _refused(request, case, assign_form=form)


@login_required
@require_POST
def case_transfer_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk, action=CaseAction.TRANSFER)
    form = TransferForm(request.POST, case=case)
    if form.is_valid():
        branch = form.cleaned_data["to_branch"]
        try:
            case = services.case_transfer(
                case=case, to_branch=branch, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(request, case, _("Transferred to %(branch)s.") % {"branch": branch.name})
    return _refused(request, case, transfer_form=form)


@login_required
@require_POST
def case_attach_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk, action=CaseAction.ATTACH)
    form = AttachForm(request.POST)
    if form.is_valid():
        member = form.cleaned_data["staff"]
        try:
            services.case_attach(
                case=case, staff=member, capacity=form.capacity, actor=request.user
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(request, case, _("%(name)s attached.") % {"name": member.display_name})
    return _refused(request, case, attach_form=form)


ENTRY_KINDS = {
    Entry.Kind.NOTE: (CaseAction.NOTE, "note_form", "#notes"),
    Entry.Kind.MESSAGE: (CaseAction.MESSAGE, "message_form", "#thread"),
}


@login_required
@require_POST
def case_entry_view(request: HtmxHttpRequest, pk: int, kind: str) -> HttpResponse:
    """Post a note or a thread message; htmx gets the refreshed list back, others a redirect."""
    action, form_name, anchor = ENTRY_KINDS[Entry.Kind(kind)]
    case = case_get(user=request.user, pk=pk, action=action)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            services.case_add_entry(
                case=case, author=request.user, kind=kind, body=form.cleaned_data["body"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if not request.htmx:
                return _done(request, case, _("Posted."), anchor)
            form = EntryForm()
    if not request.htmx:
        return _refused(request, case, **{form_name: form})
    entries = case_entries(case=case).filter(kind=kind)
    context = {"case": case, "kind": kind, "entries": entries, "form": form, "can_post": True}
    return render(request, "cases/_entries.html", context)


@login_required
@require_POST
@never_cache
def case_reveal_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Show the full ID and phone numbers once, after logging who asked and why.

    The unmasked values go into this response only: never the session, a URL or a cache.
    """
    case = case_get(user=request.user, pk=pk, action=CaseAction.REVEAL)
    form = RevealForm(request.POST)
    profile = None
    if form.is_valid():
        try:
            profile = personal_data_reveal(
                user=request.user,
                customer=case.customer,
                accounts=list(case.accounts.all()),
                reason=form.cleaned_data["reason"],
                remote_addr=request.META.get("REMOTE_ADDR"),
                channel="web",
            )
        except DomainError as error:
            add_domain_error(form, error)
    if request.htmx:
        context = {
            "case": case,
            "profile": profile or _profile(case),
            "reveal_form": form if profile is None else RevealForm(),
            "can": {CaseAction.REVEAL.value: True},
        }
        return render(request, "cases/_profile.html", context)
    return render(
        request,
        "cases/detail.html",
        _detail_context(request, case, profile=profile, reveal_form=form),
    )
