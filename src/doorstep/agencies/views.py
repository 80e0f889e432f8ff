"""The agency screens: the register with each agency's performance (chart and table), an
agency's file (contract, assessments, supervision, batches, placing cases), a batch with its
cases and the recall, and the write-off reconciliation.

Pages answer 404 to roles that do not work with agencies, like a case outside one's scope.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.agencies import services, writeoffs
from doorstep.agencies.forms import PlacementForm, RecallForm, add_domain_error
from doorstep.agencies.models import Agency, Placement, PlacementBatch
from doorstep.agencies.selectors import (
    PLACING_ROLES,
    VIEW_ROLES,
    Performance,
    agency_get,
    batch_get,
    batch_list,
    contract_in_force,
    performance,
    staff_in,
)
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required


def _chart(rows: list[Performance]) -> dict[str, Any]:
    """The ECharts option of the performance chart: recovery, complaint and kept-promise rates
    side by side per agency."""
    names = [row.agency.name for row in rows]

    def series(name: str, values: list[Any]) -> dict[str, Any]:
        return {
            "name": name,
            "type": "bar",
            "data": [None if v is None else float(v) for v in values],
        }

    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 32},
        "xAxis": {"type": "category", "data": names},
        "yAxis": {"type": "value", "name": "%"},
        "series": [
            series(_("Recovery rate"), [r.recovery_rate for r in rows]),
            series(_("Complaints per 100 placements"), [r.complaint_rate for r in rows]),
            series(_("Promises kept"), [r.kept_rate for r in rows]),
        ],
    }


@login_required
@require_GET
def agency_index_view(request: HttpRequest) -> HttpResponse:
    if staff_in(request.user, VIEW_ROLES) is None:
        raise Http404
    rows = performance(user=request.user)
    return render(
        request,
        "agencies/index.html",
        {"rows": rows, "chart": _chart(rows), "may_reconcile": True},
    )


def _detail(
    request: HttpRequest, agency: Agency, form: PlacementForm | None = None
) -> HttpResponse:
    from django.utils import timezone

    may_place = staff_in(request.user, PLACING_ROLES) is not None
    return render(
        request,
        "agencies/detail.html",
        {
            "agency": agency,
            "contract": contract_in_force(agency=agency, on=timezone.localdate()),
            "contracts": agency.contracts.all(),
            "assessments": agency.assessments.all(),
            "supervision": agency.supervision.all(),
            "batches": batch_list(user=request.user, agency=agency)[:50],
            "may_place": may_place,
            "form": form or (PlacementForm() if may_place else None),
        },
    )


@login_required
@require_GET
def agency_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, agency_get(user=request.user, pk=pk))


@login_required
@require_POST
def agency_place_view(request: HttpRequest, pk: int) -> HttpResponse:
    agency = agency_get(user=request.user, pk=pk)
    if staff_in(request.user, PLACING_ROLES) is None:
        raise Http404
    form = PlacementForm(request.POST)
    if form.is_valid():
        try:
            batch = services.placement_place(
                actor=request.user,
                agency=agency,
                rules=form.rules(),
                ends_on=form.cleaned_data["ends_on"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            count = batch.placements.count()
            messages.success(
                request,
                _("%(n)d cases placed in batch %(batch)s.")
                % {"n": count, "batch": batch.reference},
            )
            return HttpResponseRedirect(reverse("agencies:batch", args=[batch.reference]))
    return _detail(request, agency, form)


def _batch(
    request: HttpRequest, batch: PlacementBatch, form: RecallForm | None = None
) -> HttpResponse:
    placements = batch.placements.select_related("case", "case__customer").order_by(
        "case__reference"
    )
    may_recall = staff_in(request.user, PLACING_ROLES) is not None
    return render(
        request,
        "agencies/batch.html",
        {
            "batch": batch,
            "placements": placements,
            "open": [p for p in placements if p.recalled_at is None],
            "may_recall": may_recall,
            "form": form or RecallForm(),
        },
    )


@login_required
@require_GET
def batch_detail_view(request: HttpRequest, reference: str) -> HttpResponse:
    return _batch(request, batch_get(user=request.user, reference=reference))


@login_required
@require_POST
def batch_recall_view(request: HttpRequest, reference: str) -> HttpResponse:
    batch = batch_get(user=request.user, reference=reference)
    if staff_in(request.user, PLACING_ROLES) is None:
        raise Http404
    form = RecallForm(request.POST)
    chosen = [int(v) for v in request.POST.getlist("placement") if v.isdigit()]
    if form.is_valid():
        placements = Placement.objects.filter(batch=batch, recalled_at__isnull=True)
        if chosen:
            placements = placements.filter(pk__in=chosen)
        try:
            done = services.placements_recall(
                actor=request.user, placements=placements, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(n)d cases recalled.") % {"n": len(done)})
            return HttpResponseRedirect(reverse("agencies:batch", args=[batch.reference]))
    return _batch(request, batch, form)


@login_required
@require_GET
def writeoff_index_view(request: HttpRequest) -> HttpResponse:
    try:
        report = writeoffs.reconciliation(user=request.user)
    except writeoffs.WriteOffRefused:
        raise Http404 from None
    return render(request, "agencies/writeoffs.html", {"report": report})
