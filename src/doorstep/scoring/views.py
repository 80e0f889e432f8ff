"""The managers' champion–challenger pages: the experiments, one experiment's outcome
comparison (an ECharts chart and a table), starting, stopping and asking to promote.
Reads through ``scoring.selectors`` (governance roles), writes through ``scoring.services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.scoring import abtest, selectors, services
from doorstep.scoring.models import Experiment, ModelVersion

MAX_DAYS = 365


class StartForm(forms.Form):
    challenger = forms.ModelChoiceField(
        label=gettext_lazy("Challenger"),
        queryset=ModelVersion.objects.filter(status=ModelVersion.Status.CHALLENGER),
    )
    share = forms.DecimalField(
        label=gettext_lazy("Share of cases for the challenger"),
        min_value=Decimal("0.001"),
        max_value=Decimal("0.999"),
        max_digits=4,
        decimal_places=3,
        initial=Decimal("0.1"),
    )
    seed = forms.IntegerField(
        label=gettext_lazy("Assignment seed"), min_value=0, max_value=2**31 - 1, initial=0
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


def _experiment(request: HttpRequest, pk: int) -> Experiment:
    try:
        return selectors.experiment_get(user=request.user, pk=pk)
    except Experiment.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def experiment_index_view(request: HttpRequest) -> HttpResponse:
    experiments = selectors.experiment_list(user=request.user)
    can_manage = selectors.may_manage_experiments(request.user)
    form = StartForm(request.POST or None)
    if request.method == "POST":
        selectors.experiment_manager(request.user)
        if form.is_valid():
            try:
                experiment = services.experiment_start(
                    challenger=form.cleaned_data["challenger"],
                    share=form.cleaned_data["share"],
                    seed=form.cleaned_data["seed"],
                    actor=request.user,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return HttpResponseRedirect(reverse("scoring:experiment", args=[experiment.pk]))
    return render(
        request,
        "scoring/experiments.html",
        {"experiments": experiments[:50], "form": form, "can_manage": can_manage},
    )


def _percent(estimate: dict[str, Any]) -> list[float] | None:
    if estimate["value"] is None or estimate["low"] is None:
        return None
    low, value, high = (round(100 * estimate[k], 2) for k in ("low", "value", "high"))
    return [low, low, value, high, high]


def _yuan(estimate: dict[str, Any]) -> list[float] | None:
    if estimate["value"] is None or estimate["low"] is None:
        return None
    low, value, high = (round(estimate[k], 2) for k in ("low", "value", "high"))
    return [low, low, value, high, high]


def _chart(comparison: dict[str, Any]) -> dict[str, Any]:
    """An ECharts option: each arm's rate with its confidence interval as a box from the low
    to the high end, the line inside at the estimate (``reports/dashboards.js`` draws it)."""
    labels = {abtest.CHAMPION: _("Champion"), abtest.CHALLENGER: _("Challenger")}
    series = []
    for arm in abtest.ARMS:
        data = comparison["arms"][arm]
        series.append(
            {
                "name": labels[arm],
                "type": "boxplot",
                "data": [
                    _percent(data["cure_rate"]) or "-",
                    _percent(data["kept_promise_rate"]) or "-",
                ],
            }
        )
    return {
        "legend": {"data": [labels[a] for a in abtest.ARMS]},
        "tooltip": {"trigger": "item"},
        "xAxis": {"type": "category", "data": [_("Cure rate"), _("Kept promises")]},
        "yAxis": {"type": "value", "name": _("per cent")},
        "series": series,
    }


def _amount_chart(comparison: dict[str, Any]) -> dict[str, Any]:
    labels = {abtest.CHAMPION: _("Champion"), abtest.CHALLENGER: _("Challenger")}
    return {
        "legend": {"data": [labels[a] for a in abtest.ARMS]},
        "tooltip": {"trigger": "item"},
        "xAxis": {"type": "category", "data": [_("Recovered per case")]},
        "yAxis": {"type": "value", "name": _("yuan")},
        "series": [
            {
                "name": labels[arm],
                "type": "boxplot",
                "data": [_yuan(comparison["arms"][arm]["recovered_per_case"]) or "-"],
            }
            for arm in abtest.ARMS
        ],
    }


def _shown(estimate: dict[str, Any], kind: str, *, count: bool = False) -> str:
    """``12.50 [8.10, 17.20] (n=400)``: per cent for rates, yuan for amounts."""
    if estimate["value"] is None:
        return "—"
    scale = 100 if kind == "percent" else 1
    text = f"{estimate['value'] * scale:.2f}"
    if estimate["low"] is not None:
        text += f" [{estimate['low'] * scale:.2f}, {estimate['high'] * scale:.2f}]"
    if count:
        text += f" (n={estimate['n']})"
    return text


@login_required
def experiment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        days = min(MAX_DAYS, max(1, int(request.GET.get("days", "30"))))
    except ValueError:
        days = 30
    _experiment(request, pk)
    comparison = selectors.experiment_comparison(user=request.user, pk=pk, days=days)
    metrics = [
        ("cure_rate", _("Cure rate (per cent)"), "percent"),
        ("recovered_per_case", _("Recovered per case (yuan)"), "amount"),
        ("kept_promise_rate", _("Kept promises (per cent)"), "percent"),
    ]
    rows = [
        {
            "label": label,
            "champion": _shown(comparison["arms"][abtest.CHAMPION][key], kind, count=True),
            "challenger": _shown(comparison["arms"][abtest.CHALLENGER][key], kind, count=True),
            "difference": _shown(comparison["difference"][key], kind),
            "p_value": "—"
            if comparison["difference"][key]["p_value"] is None
            else f"{comparison['difference'][key]['p_value']:.4f}",
        }
        for key, label, kind in metrics
    ]
    return render(
        request,
        "scoring/experiment.html",
        {
            "comparison": comparison,
            "experiment": comparison["experiment"],
            "rows": rows,
            "chart": _chart(comparison),
            "amount_chart": _amount_chart(comparison),
            "can_manage": selectors.may_manage_experiments(request.user),
            "form": ReasonForm(),
            "days": days,
        },
    )


@login_required
@require_POST
def experiment_promote_view(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.experiment_manager(request.user)
    experiment = _experiment(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
    else:
        try:
            services.model_promotion_request(
                version=experiment.challenger,
                requested_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Promotion requested: a head-office administrator must approve it."),
            )
    return HttpResponseRedirect(reverse("scoring:experiment", args=[pk]))


@login_required
@require_POST
def experiment_stop_view(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.experiment_manager(request.user)
    experiment = _experiment(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
    else:
        try:
            services.experiment_stop(
                experiment=experiment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
    return HttpResponseRedirect(reverse("scoring:experiment", args=[pk]))
