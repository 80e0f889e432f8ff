"""The manager's planning screens: build a day's plan, look at it on a map and a timeline,
pin or forbid visits and re-optimise, publish. Plans are loaded through ``planning.selectors``;
every write is one ``planning.services`` call."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.planning import services
from doorstep.planning.api import plan_json
from doorstep.planning.forms import BuildForm, ReoptimiseForm
from doorstep.planning.models import Plan
from doorstep.planning.selectors import (
    PlanDenied,
    TeamView,
    branch_for_planning,
    may_plan,
    plan_get,
    plan_left_out,
    plan_routes,
    plan_visible,
    reason_text,
)
from doorstep.staff.selectors import staff_for


@login_required
@require_http_methods(["GET", "POST"])
def plan_index_view(request: HttpRequest) -> HttpResponse:
    """Recent plans the user may see; a branch manager builds one for a day here."""
    staff = staff_for(request.user)
    branch = staff.branch if staff is not None else None
    can_build = branch is not None and may_plan(user=request.user, branch=branch)
    form = BuildForm(request.POST or None)
    if request.method == "POST":
        if branch is None or not can_build:
            raise PlanDenied
        if form.is_valid():
            branch = branch_for_planning(user=request.user, code=branch.code)
            try:
                plan = services.plan_build(
                    branch=branch,
                    day=form.cleaned_data["day"],
                    actor=request.user,
                    seconds=form.cleaned_data["seconds"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return HttpResponseRedirect(reverse("planning:detail", args=[plan.pk]))
    plans = plan_visible(user=request.user).select_related("branch")[:30]
    return render(
        request,
        "planning/index.html",
        {"plans": plans, "form": form, "can_build": can_build},
    )


@login_required
def plan_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_get(user=request.user, pk=pk)
    form = ReoptimiseForm()
    form.initial_from(plan)
    return _detail(request, plan, form)


DAY_FROM, DAY_HOURS = 8, 10  # the timeline shows 08:00-18:00


def _bars(route: TeamView) -> list[dict[str, object]]:
    """Each stop as a bar of the team's timeline: left offset and width in percent."""
    bars = []
    for stop in route.stops:
        start = timezone.localtime(stop.start)
        end = timezone.localtime(stop.end)
        left = (start.hour + start.minute / 60 - DAY_FROM) / DAY_HOURS * 100
        width = (end - start).total_seconds() / 3600 / DAY_HOURS * 100
        bars.append({"stop": stop, "left": round(left, 2), "width": round(width, 2)})
    return bars


def _detail(request: HttpRequest, plan: Plan, form: ReoptimiseForm) -> HttpResponse:
    routes = [(route, _bars(route)) for route in plan_routes(plan)]
    left_out = [(row, reason_text(row.reason)) for row in plan_left_out(plan)]
    return render(
        request,
        "planning/detail.html",
        {
            "plan": plan,
            "routes": routes,
            "left_out": left_out,
            "form": form,
            "data": plan_json(plan),
            "tiles": getattr(settings, "DOORSTEP_TILE_URL", ""),
            "can_manage": may_plan(user=request.user, branch=plan.branch),
            "hours": [f"{h:02d}:00" for h in range(DAY_FROM, DAY_FROM + DAY_HOURS)],
        },
    )


@login_required
@require_POST
def plan_reoptimise_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_get(user=request.user, pk=pk, manage=True)
    form = ReoptimiseForm(request.POST)
    if form.is_valid():
        try:
            new = services.plan_reoptimise(
                plan=plan,
                actor=request.user,
                pins=form.cleaned_data["pins"],
                forbidden=form.cleaned_data["forbidden"],
                seconds=form.cleaned_data["seconds"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return HttpResponseRedirect(reverse("planning:detail", args=[new.pk]))
    return _detail(request, plan, form)


@login_required
@require_POST
def plan_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_get(user=request.user, pk=pk, manage=True)
    try:
        services.plan_publish(plan=plan, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Plan published: every visit is scheduled."))
    return HttpResponseRedirect(reverse("planning:detail", args=[plan.pk]))
