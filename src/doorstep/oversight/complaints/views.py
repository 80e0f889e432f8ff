"""The complaint screens: the public page (no sign-in) and the staff screens.

Public: file a complaint (rate-limited per address), see the reference and access code once,
check the status with both. Staff: the list, intake, one complaint with its clocks, links,
evidence, notes and history, and each action as an htmx form that swaps the complaint's panel.
Complaints are loaded through ``complaints.selectors`` (404 outside what the reader may see);
every write is one ``complaints.services`` call whose refusal is shown on its form.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.cases.forms import add_domain_error
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.oversight.complaints import forms as complaint_forms
from doorstep.oversight.complaints import services
from doorstep.oversight.complaints.lifecycle import Status
from doorstep.oversight.complaints.selectors import (
    ComplaintFilters,
    can_handle,
    can_take_in,
    can_verify,
    case_entries,
    complaint_get,
    complaint_history,
    complaint_list,
    complaint_public_status,
    complaint_stats,
    linkable_case,
    masked_contact,
    overdue_clocks,
)
from doorstep.oversight.models import (
    CATEGORY_LABELS,
    COMPLAINT_STATUS_LABELS,
    OUTCOME_LABELS,
    ROOT_CAUSE_LABELS,
    Complaint,
)
from doorstep.signin.ratelimit import Limit, request_hit
from doorstep.staff.selectors import staff_for

PAGE_SIZE = 25
# Per client address: a few complaints an hour is plenty for a person and stops a flood;
# status checks are limited harder because each one is a guess at an access code.
FILE_LIMIT = (5, 3600)
STATUS_LIMIT = (20, 3600)


def rate_limited(request: HttpRequest, bucket: str, limit: tuple[int, int]) -> bool:
    """Count this request against ``bucket`` for the client's address; True once over (the
    one rate limiter of debtor-facing endpoints, ``doorstep.signin.ratelimit``)."""
    return request_hit(request, f"complaints-{bucket}", Limit(*limit))


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "oversight/complaints/public_busy.html", status=429)


@require_http_methods(["GET", "POST"])
@never_cache
def public_file_view(request: HttpRequest) -> HttpResponse:
    """File a complaint without signing in. The reference and the access code are shown on
    the answer to the POST only, never in a URL."""
    form = complaint_forms.PublicComplaintForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(request, "file", FILE_LIMIT):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                filed = services.complaint_submit(
                    category=data["category"],
                    name=data["name"],
                    phone=data["phone"],
                    email=data["email"] or "",
                    description=data["description"],
                    happened_on=data["happened_on"],
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                context = {"complaint": filed.complaint, "code": filed.access_code}
                return render(request, "oversight/complaints/public_filed.html", context)
    return render(request, "oversight/complaints/public_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@never_cache
def public_status_view(request: HttpRequest) -> HttpResponse:
    """The complainant's view: status, dates and, once closed, the outcome and remedy."""
    form = complaint_forms.StatusForm(request.POST or None)
    found = None
    if request.method == "POST":
        if rate_limited(request, "status", STATUS_LIMIT):
            return _too_many(request)
        if form.is_valid():
            found = complaint_public_status(
                reference=form.cleaned_data["reference"], code=form.cleaned_data["code"]
            )
            if found is None:
                form.add_error(None, _("No complaint matches this reference and code."))
    context = {
        "form": form,
        "found": found,
        "status_label": COMPLAINT_STATUS_LABELS[Status(found.status)] if found else "",
        "category_label": _label(CATEGORY_LABELS, found.category) if found else "",
        "outcome_label": _label(OUTCOME_LABELS, found.outcome) if found else "",
    }
    return render(request, "oversight/complaints/public_status.html", context)


def _label(labels: dict[Any, Any], value: str) -> str:
    return next((str(label) for key, label in labels.items() if key.value == value), value)


# ---------------------------------------------------------------------------------------------
# Staff


@login_required
@require_GET
def complaint_list_view(request: HttpRequest) -> HttpResponse:
    filters = ComplaintFilters(
        status=request.GET.get("status", "open"),
        category=request.GET.get("category", ""),
        overdue=request.GET.get("overdue") == "1",
        escalated=request.GET.get("escalated") == "1",
    )
    page = Paginator(complaint_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    context = {
        "page": page,
        "rows": [{"complaint": item, "overdue": overdue_clocks(item, now=now)} for item in page],
        "filters": filters,
        "statuses": [(status.value, label) for status, label in COMPLAINT_STATUS_LABELS.items()],
        "categories": [(key.value, label) for key, label in CATEGORY_LABELS.items()],
        "can_take_in": can_take_in(user=request.user),
    }
    htmx = getattr(request, "htmx", False)
    template = "oversight/complaints/_list.html" if htmx else "oversight/complaints/list.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_intake_view(request: HttpRequest) -> HttpResponse:
    form = complaint_forms.IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            filed = services.complaint_intake(
                actor=request.user,
                channel=data["channel"],
                category=data["category"],
                name=data["name"],
                phone=data["phone"],
                email=data["email"] or "",
                description=data["description"],
                happened_on=data["happened_on"],
                received_at=data["received_at"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            context = {"complaint": filed.complaint, "code": filed.access_code, "staff": True}
            return render(request, "oversight/complaints/public_filed.html", context)
    return render(request, "oversight/complaints/intake.html", {"form": form})


def _panel_context(
    request: HttpRequest, complaint: Complaint, *, revealed: bool = False, **forms_: Any
) -> dict[str, Any]:
    handles = can_handle(user=request.user)
    status = Status(complaint.status)
    return {
        "complaint": complaint,
        "contact": None if revealed else masked_contact(complaint),
        "revealed": revealed,
        "overdue": overdue_clocks(complaint),
        "history": complaint_history(complaint),
        "evidence": list(complaint.evidence.all()),
        "entries": case_entries(complaint) if handles else [],
        "can_handle": handles and complaint.is_open,
        "can_verify": can_verify(user=request.user, complaint=complaint),
        "can_ack": handles and status is Status.RECEIVED,
        "can_start": handles and status is Status.ACKNOWLEDGED,
        "can_resolve": handles and status is Status.INVESTIGATING,
        "hold": complaint.hold,
        "forms": {
            "link": forms_.get("link") or complaint_forms.LinkForm(prefix="link"),
            "note": forms_.get("note") or complaint_forms.NoteForm(prefix="note"),
            "evidence": forms_.get("evidence") or complaint_forms.EvidenceForm(prefix="evidence"),
            "extend": forms_.get("extend") or complaint_forms.ExtendForm(prefix="extend"),
            "resolve": forms_.get("resolve") or complaint_forms.ResolveForm(prefix="resolve"),
            "verify": forms_.get("verify") or complaint_forms.VerifyForm(prefix="verify"),
            "reveal": forms_.get("reveal") or complaint_forms.RevealForm(prefix="reveal"),
            "status": forms_.get("status"),
        },
    }


def _panel(request: HttpRequest, complaint: Complaint, **extra: Any) -> HttpResponse:
    context = _panel_context(request, complaint, **extra)
    if getattr(request, "htmx", False):
        return render(request, "oversight/complaints/_panel.html", context)
    return render(request, "oversight/complaints/detail.html", context)


@login_required
@require_GET
@never_cache
def complaint_detail_view(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = complaint_get(user=request.user, reference=reference)
    return render(request, "oversight/complaints/detail.html", _panel_context(request, complaint))


Action = Callable[[HttpRequest, Complaint, dict[str, Any]], Any]


def _acknowledge(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> Any:
    return services.complaint_acknowledge(complaint=complaint, actor=request.user)


def _start(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> Any:
    if complaint.status == Status.RECEIVED.value:
        return services.complaint_acknowledge(complaint=complaint, actor=request.user, start=True)
    return services.complaint_start(complaint=complaint, actor=request.user)


def _link(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> Any:
    reference = data["case_reference"].strip()
    case = linkable_case(user=request.user, reference=reference) if reference else None
    return services.complaint_link(
        complaint=complaint,
        actor=request.user,
        case=case,
        agent=data["agent"],
        visit_reference=data["visit_reference"],
        category=data["category"],
    )


def _note(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> Any:
    return services.complaint_note(complaint=complaint, actor=request.user, note=data["note"])


def _evidence(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> Any:
    return services.complaint_add_evidence(
        complaint=complaint, actor=request.user, ledger_index=data["ledger_index"]
    )


def _extend(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> Any:
    return services.complaint_extend(
        complaint=complaint, actor=request.user, extension=data["extension"], reason=data["reason"]
    )


def _resolve(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> Any:
    return services.complaint_resolve(complaint=complaint, actor=request.user, **data)


def _verify(request: HttpRequest, complaint: Complaint, data: dict[str, Any]) -> Any:
    return services.complaint_verify(
        complaint=complaint,
        actor=request.user,
        accept=data["decision"] == "accept",
        note=data["note"],
    )


ACTIONS: dict[str, tuple[type[forms.Form] | None, Action]] = {
    "acknowledge": (None, _acknowledge),
    "start": (None, _start),
    "link": (complaint_forms.LinkForm, _link),
    "note": (complaint_forms.NoteForm, _note),
    "evidence": (complaint_forms.EvidenceForm, _evidence),
    "extend": (complaint_forms.ExtendForm, _extend),
    "resolve": (complaint_forms.ResolveForm, _resolve),
    "verify": (complaint_forms.VerifyForm, _verify),
}


@login_required
@require_POST
def complaint_action_view(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """One of ``ACTIONS`` on the complaint; htmx gets the refreshed panel back."""
    if action not in ACTIONS:
        raise Http404
    complaint = complaint_get(user=request.user, reference=reference)
    form_class, run = ACTIONS[action]
    form = (
        form_class(request.POST, prefix=action)
        if form_class is not None
        else forms.Form(request.POST)
    )
    if form.is_valid():
        try:
            run(request, complaint, form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if not getattr(request, "htmx", False):
                return HttpResponseRedirect(
                    reverse("oversight:complaint", args=[complaint.reference])
                )
            complaint = complaint_get(user=request.user, reference=reference)
            return _panel(request, complaint)
    key = action if form_class is not None else "status"
    return _panel(request, complaint, **{key: form})


@login_required
@require_POST
@never_cache
def complaint_reveal_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Show the complainant's contact details in this response only, after logging why."""
    complaint = complaint_get(user=request.user, reference=reference)
    form = complaint_forms.RevealForm(request.POST, prefix="reveal")
    if form.is_valid():
        try:
            services.complaint_reveal(
                complaint=complaint, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _panel(request, complaint, revealed=True)
    return _panel(request, complaint, reveal=form)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@login_required
@require_GET
def complaint_stats_view(request: HttpRequest) -> HttpResponse:
    """Counts by category, root cause, outcome, branch, agent and month (the trend)."""
    today = timezone.localdate()
    since = _day(request.GET.get("since")) or today - timedelta(days=365)
    until = _day(request.GET.get("until")) or today
    stats = complaint_stats(user=request.user, since=since, until=until)

    def labelled(rows: list[tuple[str, int]], labels: dict[Any, Any]) -> list[tuple[str, int]]:
        return [(_label(labels, key), count) for key, count in rows]

    context = {
        "stats": stats,
        "since": since,
        "until": until,
        "by_category": labelled(stats.by_category, CATEGORY_LABELS),
        "by_root_cause": labelled(stats.by_root_cause, ROOT_CAUSE_LABELS),
        "by_outcome": labelled(stats.by_outcome, OUTCOME_LABELS),
        "peak": max((count for _month, count in stats.by_month), default=0),
        "is_staff": staff_for(request.user) is not None,
    }
    return render(request, "oversight/complaints/stats.html", context)
