"""The approval screens: the inbox, one request with its history, and the decision on it.

Requests are loaded through ``oversight.selectors`` (404 if the reader may not see one); every
write is one ``oversight.services`` call, whose refusal is shown on the form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from doorstep.cases.forms import add_domain_error
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.oversight import services
from doorstep.oversight.forms import DecideForm, WithdrawForm
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.registry import get_kind
from doorstep.oversight.selectors import (
    approval_get,
    approval_history,
    approval_inbox,
    approval_visible,
    can_decide,
)
from doorstep.staff.models import Branch, Role

PAGE_SIZE = 25


def route_label(route: Mapping[str, Any], branches: Mapping[int, Branch]) -> str:
    """Who a route sends a request to, in words: roles (at a branch) or a committee, and how
    many must agree."""
    quorum = int(route.get("quorum") or 1)
    if route.get("committee"):
        who = _("committee %(name)s") % {"name": route.get("committee_name") or route["committee"]}
    else:
        who = " / ".join(str(Role(role).label) for role in route.get("roles", ()))
        branch = branches.get(route["branch"]) if route.get("branch") else None
        if branch is not None:
            who = _("%(who)s of %(branch)s") % {"who": who, "branch": branch.name}
    if quorum > 1:
        return _("%(who)s: %(quorum)d distinct approvals") % {"who": who, "quorum": quorum}
    return str(who)


def _branches(requests: Iterable[ApprovalRequest]) -> dict[int, Branch]:
    ids = {int(route["branch"]) for r in requests for route in r.routes if route.get("branch")}
    return Branch.objects.in_bulk(sorted(ids))


def _rows(requests: list[ApprovalRequest]) -> list[dict[str, Any]]:
    branches = _branches(requests)
    now = timezone.now()
    return [
        {
            "request": item,
            "kind": _kind_label(item),
            "route": route_label(item.route, branches),
            "overdue": item.is_open and item.due_at < now,
        }
        for item in requests
    ]


def _kind_label(request: ApprovalRequest) -> str:
    kind = get_kind(request.kind)
    return str(kind.label) if kind is not None else request.kind


@login_required
@require_GET
def approval_list_view(request: HttpRequest) -> HttpResponse:
    """The inbox (what the reader may decide now) or everything they may see."""
    box = "visible" if request.GET.get("box") == "visible" else "inbox"
    page = None
    if box == "inbox":
        items = approval_inbox(user=request.user)
    else:
        page = Paginator(approval_visible(user=request.user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        items = list(page)
    context = {"box": box, "rows": _rows(items), "page": page}
    return render(request, "oversight/approvals.html", context)


def _detail_context(
    request: HttpRequest, approval: ApprovalRequest, **forms: Any
) -> dict[str, Any]:
    kind = get_kind(approval.kind)
    branches = _branches([approval])
    history = approval_history(approval)
    return {
        "approval": approval,
        "kind": _kind_label(approval),
        "payload_template": kind.template if kind is not None else "oversight/_payload.html",
        "payload": approval.payload,
        "levels": [
            {"number": n, "label": route_label(route, branches), "current": n == approval.level}
            for n, route in enumerate(approval.routes)
        ],
        "overdue": approval.is_open and approval.due_at < timezone.now(),
        "can_decide": can_decide(user=request.user, request=approval),
        "can_withdraw": approval.is_open and approval.requested_by_id == request.user.pk,
        "decide_form": forms.get("decide_form") or DecideForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        **history,
    }


@login_required
@require_GET
@never_cache
def approval_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    approval = approval_get(user=request.user, pk=pk)
    return render(request, "oversight/approval.html", _detail_context(request, approval))


@login_required
@require_POST
def approval_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    approval = approval_get(user=request.user, pk=pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            approval = services.approval_decide(
                request=approval,
                approver=request.user,
                approve=approve,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Your decision is recorded; the request is %(status)s.")
                % {"status": str(approval.get_status_display()).lower()},
            )
            return HttpResponseRedirect(reverse("oversight:approval", args=[approval.pk]))
    context = _detail_context(request, approval, decide_form=form)
    return render(request, "oversight/approval.html", context)


@login_required
@require_POST
def approval_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    approval = approval_get(user=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            approval = services.approval_withdraw(
                request=approval, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The request is withdrawn."))
            return HttpResponseRedirect(reverse("oversight:approval", args=[approval.pk]))
    context = _detail_context(request, approval, withdraw_form=form)
    return render(request, "oversight/approval.html", context)
