"""The internal audit screens: campaigns, the review of one sampled record with its findings
and remediation, and the remediation list where owners report and auditors verify.

Loaded through ``audit.selectors`` (404 outside what the reader may see); every write is one
``audit.services`` call whose refusal is shown on its form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.cases.forms import add_domain_error
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.oversight.audit import services
from doorstep.oversight.audit.checklist import CHECKLIST
from doorstep.oversight.audit.forms import (
    CampaignForm,
    FindingForm,
    NoteForm,
    RemediationForm,
    ReviewForm,
)
from doorstep.oversight.audit.selectors import (
    campaign_get,
    campaign_report,
    campaign_reproduces,
    campaign_visible,
    finding_get,
    item_findings,
    item_get,
    may_audit,
    may_complete,
    record_summary,
    remediation_get,
    remediation_visible,
)
from doorstep.staff.selectors import staff_for

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    """Campaigns, newest first; auditors draw a new one here."""
    auditor = may_audit(request.user)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and auditor and form.is_valid():
        try:
            campaign = services.audit_campaign_draw(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The sample is drawn and ledgered."))
            return HttpResponseRedirect(reverse("oversight:audit_campaign", args=[campaign.pk]))
    page = Paginator(campaign_visible(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "form": form, "auditor": auditor}
    return render(request, "oversight/audit/campaigns.html", context)


def _campaign_context(request: HttpRequest, campaign: Any) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "items": campaign.items.select_related("branch", "agent").order_by("position"),
        "report": campaign_report(campaign, today=timezone.localdate()),
        "reproduces": campaign_reproduces(campaign),
        "auditor": may_audit(request.user),
        "checklist": CHECKLIST,
    }


@login_required
@require_GET
def campaign_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get(user=request.user, pk=pk)
    return render(request, "oversight/audit/campaign.html", _campaign_context(request, campaign))


@login_required
@require_POST
def campaign_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get(user=request.user, pk=pk)
    try:
        services.audit_campaign_close(campaign=campaign, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The campaign is closed."))
    return HttpResponseRedirect(reverse("oversight:audit_campaign", args=[campaign.pk]))


def _item_context(request: HttpRequest, item: Any, **forms_: Any) -> dict[str, Any]:
    initial = item.results or None
    return {
        "item": item,
        "campaign": item.campaign,
        "record": record_summary(item),
        "auditor": may_audit(request.user),
        "review_form": forms_.get("review") or ReviewForm(initial=initial, prefix="review"),
        "finding_form": forms_.get("finding") or FindingForm(prefix="finding"),
        "remediation_form": forms_.get("remediation") or RemediationForm(prefix="action"),
        "findings": item_findings(item),
        "checklist": CHECKLIST,
    }


@login_required
@require_GET
def item_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_get(user=request.user, pk=pk)
    return render(request, "oversight/audit/item.html", _item_context(request, item))


def _item_done(request: HttpRequest, item: Any, message: str) -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(reverse("oversight:audit_item", args=[item.pk]))


@login_required
@require_POST
def item_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_get(user=request.user, pk=pk)
    form = ReviewForm(request.POST, prefix="review")
    if form.is_valid():
        try:
            services.audit_item_review(
                item=item,
                actor=request.user,
                results=form.results(),
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _item_done(request, item, _("Review recorded."))
    return render(request, "oversight/audit/item.html", _item_context(request, item, review=form))


@login_required
@require_POST
def item_finding_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_get(user=request.user, pk=pk)
    form = FindingForm(request.POST, prefix="finding")
    if form.is_valid():
        try:
            services.audit_finding_add(item=item, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _item_done(request, item, _("Finding recorded."))
    return render(request, "oversight/audit/item.html", _item_context(request, item, finding=form))


@login_required
@require_POST
def item_remediation_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_get(user=request.user, pk=pk)
    form = RemediationForm(request.POST, prefix="action")
    if form.is_valid():
        finding = finding_get(user=request.user, pk=form.cleaned_data["finding"], item=item)
        try:
            services.remediation_assign(
                finding=finding,
                actor=request.user,
                owner=form.cleaned_data["owner"],
                action=form.cleaned_data["action"],
                due_on=form.cleaned_data["due_on"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _item_done(request, item, _("Remediation assigned."))
    context = _item_context(request, item, remediation=form)
    return render(request, "oversight/audit/item.html", context)


def _row(request: HttpRequest, action: Any, form: NoteForm | None = None) -> dict[str, Any]:
    staff = staff_for(request.user)
    return {
        "action": action,
        "form": form or NoteForm(),
        "can_complete": may_complete(staff, action),
        "can_verify": may_audit(request.user)
        and action.status == "done"
        and (staff is None or action.owner_id != staff.pk),
        "overdue": action.status != "verified" and action.due_on < timezone.localdate(),
    }


@login_required
@require_GET
def remediation_list_view(request: HttpRequest) -> HttpResponse:
    """Remediation actions the reader owns or oversees, the earliest due first."""
    actions = remediation_visible(user=request.user)
    if request.GET.get("all") != "1":
        actions = actions.exclude(status="verified")
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "rows": [_row(request, action) for action in page]}
    return render(request, "oversight/audit/remediation.html", context)


@login_required
@require_POST
def remediation_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Done (owner) or verify / send back (auditor); htmx gets the row back."""
    action = remediation_get(user=request.user, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            if decision == "done":
                services.remediation_done(
                    remediation=action, actor=request.user, note=form.cleaned_data["note"]
                )
            else:
                services.remediation_verify(
                    remediation=action,
                    actor=request.user,
                    accept=decision == "accept",
                    note=form.cleaned_data["note"],
                )
        except DomainError as error:
            add_domain_error(form, error)
            if not getattr(request, "htmx", False):
                messages.error(request, error.message)
        else:
            form = NoteForm()
        action = remediation_get(user=request.user, pk=pk)
    if getattr(request, "htmx", False):
        return render(
            request, "oversight/audit/_remediation_row.html", {"row": _row(request, action, form)}
        )
    return HttpResponseRedirect(reverse("oversight:remediation"))
