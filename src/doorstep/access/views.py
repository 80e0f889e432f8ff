"""The access log for compliance: every reveal and export, with filters and pages, and the
volume alerts to acknowledge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from doorstep.access.forms import AcknowledgeForm, LogFilterForm
from doorstep.access.matrix import Action, Category
from doorstep.access.selectors import access_log, alert_list, log_entries, may_acknowledge
from doorstep.access.services import access_authorise, alert_acknowledge
from doorstep.core.errors import DomainError

PAGE_SIZE = 50


@login_required
@require_GET
@never_cache
def access_log_view(request: HttpRequest) -> HttpResponse:
    alerts = list(alert_list(user=request.user, open_only=True)[:20])
    form = LogFilterForm(request.GET)
    page = None
    rows: list[dict[str, object]] = []
    if form.is_valid():
        entries = access_log(user=request.user, filters=form.filters())
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = log_entries(page)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "alerts": alerts,
        "can_acknowledge": may_acknowledge(user=request.user),
        "acknowledge_form": AcknowledgeForm(),
    }
    return render(request, "access/log.html", context, status=200 if form.is_valid() else 400)


@login_required
@require_GET
@never_cache
def alerts_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(alert_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "alerts": list(page),
        "can_acknowledge": may_acknowledge(user=request.user),
        "acknowledge_form": AcknowledgeForm(),
    }
    return render(request, "access/alerts.html", context)


@login_required
@require_POST
def alert_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    access_authorise(user=request.user, category=Category.ACCESS_LOG, action=Action.EDIT)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what you found."))
        return redirect("access:alerts")
    try:
        alert_acknowledge(alert_id=pk, actor=request.user, note=form.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Alert acknowledged."))
    return redirect("access:alerts")
