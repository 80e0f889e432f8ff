"""The compliance screens: the decision log, a decision and its override, parameters with
their versions, calendars, scenario packs, and holds on a case.

Cases are loaded through ``cases.selectors.case_get``, decisions through
``compliance.selectors``; a role that may not use a screen gets 403. Every write is one
``compliance.services`` call, whose refusal is shown on the field it names.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.cases.forms import add_domain_error
from doorstep.cases.selectors import CaseAction, case_can, case_get, case_visible
from doorstep.compliance import services
from doorstep.compliance.engine import PROFILES
from doorstep.compliance.engine.calendar import PACKAGE_YEARS
from doorstep.compliance.engine.profiles import rule_ids
from doorstep.compliance.forms import (
    CalendarUploadForm,
    DecisionFilterForm,
    HoldForm,
    PackForm,
    ParameterForm,
    ReasonForm,
)
from doorstep.compliance.models import VERDICT_CHOICES, Approval, CalendarArrangement, Decision
from doorstep.compliance.selectors import (
    CALENDAR_LOADERS,
    CALENDAR_READERS,
    LOG_READERS,
    PACK_RUNNERS,
    PARAMETER_MAKERS,
    PARAMETER_READERS,
    DecisionFilters,
    bank_profile,
    can_add_hold,
    can_release_hold,
    case_holds,
    contacts_outside_decisions,
    decision_explanations,
    decision_get,
    decision_list,
    decision_stats,
    may,
    pack_runner,
    parameter_fields,
    parameter_history,
    version_in_force,
)
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.staff.models import Role
from doorstep.staff.selectors import BRANCH_ROLES, staff_for

PAGE_SIZE = 50
VERDICT_LABELS = dict(VERDICT_CHOICES)
UPLOAD_LIMIT = 2 * 1024 * 1024


def _require(request: HttpRequest, roles: frozenset[Role]) -> None:
    if not may(request.user, roles):
        raise PermissionDenied


@login_required
@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    """The decision log for those who read it, else the parameters."""
    target = "compliance:decisions" if may(request.user, LOG_READERS) else "compliance:parameters"
    return HttpResponseRedirect(reverse(target))


@login_required
@require_GET
def decision_list_view(request: HttpRequest) -> HttpResponse:
    """The decision log with its filters, and blocks and overrides per agent and per rule."""
    _require(request, LOG_READERS)
    staff = staff_for(request.user)
    own_branch = staff.branch if staff is not None and staff.role in BRANCH_ROLES else None
    profile = bank_profile()
    form = DecisionFilterForm(request.GET or None, profile=profile, branch=own_branch)
    filters = DecisionFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = DecisionFilters(
            verdict=data["verdict"],
            rule=data["rule"],
            agent=data["agent"].pk if data["agent"] else None,
            branch=data["branch"].pk if data["branch"] else None,
            since=data["since"],
            until=data["until"],
        )
    decisions = decision_list(user=request.user, filters=filters)
    page = Paginator(decisions, PAGE_SIZE).get_page(request.GET.get("page"))
    stats = decision_stats(decisions, rules=rule_ids(profile))
    widest = max((row["fired"] for row in stats.by_rule), default=0)
    for row in stats.by_rule:
        row["width"] = round(100 * row["fired"] / widest) if widest else 0
    outside = contacts_outside_decisions(user=request.user, filters=filters)
    context = {"form": form, "page": page, "stats": stats, "outside": outside}
    return render(request, "compliance/decisions.html", context)


def _may_request_override(request: HttpRequest, decision: Decision) -> bool:
    """Someone who works the case may ask; compliance officers and auditors decide instead."""
    if services.contact_allowed(decision) or decision.case is None:
        return False
    staff = staff_for(request.user)
    if staff is None or services.open_override(decision) is not None:
        return False
    if not case_visible(user=request.user).filter(pk=decision.case.pk).exists():
        return False
    return case_can(staff=staff, case=decision.case, action=CaseAction.NOTE)


def _decision_context(request: HttpRequest, decision: Decision, **forms: Any) -> dict[str, Any]:
    return {
        "decision": decision,
        "explanations": [
            {"zh": zh, "en": en, "verdict": VERDICT_LABELS[zh.verdict.value]}
            for zh, en in zip(
                decision_explanations(decision, "zh-hans"),
                decision_explanations(decision, "en"),
                strict=True,
            )
        ],
        "allowed": services.contact_allowed(decision),
        "pending_override": services.open_override(decision),
        "can_override": _may_request_override(request, decision),
        "override_form": forms.get("override_form") or ReasonForm(),
    }


@login_required
@require_GET
@never_cache
def decision_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    decision = decision_get(user=request.user, pk=pk)
    return render(request, "compliance/decision.html", _decision_context(request, decision))


@login_required
@require_POST
def decision_override_view(request: HttpRequest, pk: int) -> HttpResponse:
    decision = decision_get(user=request.user, pk=pk)
    if not _may_request_override(request, decision):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            approval = services.decision_override_request(
                decision=decision, requested_by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Override requested as approval #%(number)s.") % {"number": approval.pk},
            )
            return HttpResponseRedirect(reverse("compliance:decision", args=[decision.pk]))
    context = _decision_context(request, decision, override_form=form)
    return render(request, "compliance/decision.html", context)


def _parameters_context(
    request: HttpRequest, profile: str, form: ParameterForm | None
) -> dict[str, Any]:
    in_force = version_in_force(profile, timezone.now())
    history = parameter_history(profile)
    return {
        "profile": profile,
        "profiles": list(PROFILES),
        "in_force": in_force,
        "fields": parameter_fields(profile, in_force.params),
        "history": history,
        "can_propose": may(request.user, PARAMETER_MAKERS),
        "form": form or ParameterForm(profile=profile, in_force=in_force),
    }


@login_required
@require_GET
def parameters_view(request: HttpRequest, profile: str = "") -> HttpResponse:
    """A profile's parameters in force, its pending changes and every version with its diff."""
    _require(request, PARAMETER_READERS)
    chosen = profile or bank_profile()
    if chosen not in PROFILES:
        raise PermissionDenied
    return render(request, "compliance/parameters.html", _parameters_context(request, chosen, None))


@login_required
@require_POST
def parameters_propose_view(request: HttpRequest, profile: str) -> HttpResponse:
    _require(request, PARAMETER_MAKERS)
    if profile not in PROFILES:
        raise PermissionDenied
    in_force = version_in_force(profile, timezone.now())
    form = ParameterForm(request.POST, profile=profile, in_force=in_force)
    if form.is_valid():
        try:
            version = services.parameters_propose(
                profile=profile,
                values=form.changes(),
                effective_from=form.when(),
                maker=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Version %(label)s proposed; it needs another compliance officer's approval.")
                % {"label": version.label},
            )
            return HttpResponseRedirect(reverse("compliance:parameters_profile", args=[profile]))
    return render(
        request, "compliance/parameters.html", _parameters_context(request, profile, form)
    )


def _calendars_context(request: HttpRequest, form: CalendarUploadForm | None) -> dict[str, Any]:
    rows = list(CalendarArrangement.objects.select_related("loaded_by__staff", "approval"))
    loaded = {row.year for row in rows if row.status == Approval.APPROVED}
    return {
        "arrangements": rows,
        "package_years": sorted(PACKAGE_YEARS),
        "loaded_years": sorted(loaded),
        "can_load": may(request.user, CALENDAR_LOADERS),
        "form": form or CalendarUploadForm(),
    }


@login_required
@require_GET
def calendars_view(request: HttpRequest) -> HttpResponse:
    """Which years the gate knows (packaged, loaded), the loaded arrangements, and an upload."""
    _require(request, CALENDAR_READERS)
    return render(request, "compliance/calendars.html", _calendars_context(request, None))


@login_required
@require_POST
def calendar_upload_view(request: HttpRequest) -> HttpResponse:
    _require(request, CALENDAR_LOADERS)
    form = CalendarUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > UPLOAD_LIMIT:
                raise DomainError("too_large", _("The file is larger than 2 MB."), field="file")
            arrangements = services.read_arrangements(upload.read().decode("utf-8", "replace"))
            rows = [
                services.calendar_propose(
                    arrangement=arrangement,
                    source=form.cleaned_data["source"],
                    loaded_by=request.user,
                )
                for arrangement in arrangements
            ]
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Loaded %(years)s; it takes effect once another person approves it.")
                % {"years": ", ".join(str(row.year) for row in rows)},
            )
            return HttpResponseRedirect(reverse("compliance:calendars"))
    return render(request, "compliance/calendars.html", _calendars_context(request, form))


@login_required
@require_http_methods(["GET", "POST"])
def packs_view(request: HttpRequest) -> HttpResponse:
    """Upload a scenario pack and see each scenario pass or fail, under the parameters in force
    or a chosen version (a pending proposal can be tried before it is approved)."""
    _require(request, PACK_RUNNERS)
    form = PackForm(request.POST or None, request.FILES or None)
    results: list[dict[str, Any]] = []
    summary = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > UPLOAD_LIMIT:
            form.add_error("file", _("The file is larger than 2 MB."))
        else:
            version = form.cleaned_data["version"]
            run = pack_runner(versions={version.profile: version} if version else None)
            lines = upload.read().decode("utf-8", "replace").splitlines()
            *outputs, summary = list(run.outputs(lines))
            results = [json.loads(line) for line in outputs]
    context = {"form": form, "results": results, "summary": summary}
    return render(request, "compliance/packs.html", context)


def _case_detail(case_pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:detail", args=[case_pk]) + "#compliance")


@login_required
@require_POST
def hold_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk)
    if not can_add_hold(user=request.user, case=case):
        raise PermissionDenied
    form = HoldForm(request.POST)
    if form.is_valid():
        ends_at = form.cleaned_data["ends_at"]
        try:
            services.hold_add(
                customer=case.customer,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                ends_at=timezone.make_aware(ends_at)
                if ends_at and timezone.is_naive(ends_at)
                else ends_at,
                allowed_channels=form.cleaned_data["allowed_channels"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Hold added."))
    else:
        messages.error(request, _("The hold was not added: check the fields."))
    return _case_detail(case.pk)


@login_required
@require_POST
def hold_release_view(request: HttpRequest, pk: int, hold_pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=pk)
    if not can_release_hold(user=request.user, case=case):
        raise PermissionDenied
    hold = case_holds(case).filter(pk=hold_pk).first()
    form = ReasonForm(request.POST)
    if hold is None or not form.is_valid():
        messages.error(request, _("The hold was not released."))
        return _case_detail(case.pk)
    try:
        services.hold_release(hold=hold, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Hold released."))
    return _case_detail(case.pk)
