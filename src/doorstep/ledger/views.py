"""The auditor's ledger page, the entries browser, the full check, and a case's ledger panel.

The page and the browser are for internal auditors, compliance officers and head-office admins
(``selectors.ledger_access``, 403 for everyone else). A case's panel is for whoever may see the
case: it is loaded through ``cases.selectors.case_get`` (404 outside their scope).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from doorstep_verify.checks import Outcome, Report

from doorstep.cases.selectors import case_get
from doorstep.core.views import login_required
from doorstep.ledger.forms import EntryFilterForm
from doorstep.ledger.keys import log_signer
from doorstep.ledger.selectors import (
    case_ledger,
    checkpoint_latest,
    checkpoint_list,
    current_size,
    entry_list,
    entry_view,
    ledger_access,
    witness_list,
)
from doorstep.ledger.verification import ledger_verify

OUTCOME_LABELS = {
    Outcome.VERIFIED: _("ok"),
    Outcome.TAMPERED: _("tampered"),
    Outcome.MALFORMED: _("malformed"),
    Outcome.BAD_SIGNATURE: _("bad signature"),
    Outcome.UNTRUSTED_KEY: _("untrusted key"),
    Outcome.UNCHECKED: _("not checked"),
    Outcome.NOT_WITNESSED: _("not witnessed"),
}


def _report_context(report: Report) -> dict[str, Any]:
    return {
        "report": report,
        "verified": report.outcome is Outcome.VERIFIED,
        "checks": [
            {
                "ok": check.outcome is Outcome.VERIFIED,
                "label": OUTCOME_LABELS[check.outcome],
                "text": check.message,
            }
            for check in report.checks
        ],
        "outcome_label": OUTCOME_LABELS[report.outcome],
        "exit_code": int(report.outcome),
    }


def _signing_key() -> dict[str, str]:
    """The public key to show, or why there is none (production without a configured key)."""
    try:
        signer = log_signer()
    except ImproperlyConfigured as error:
        return {"problem": str(error)}
    return {"hex": signer.public_key.hex(), "key_id": signer.key_id.hex()}


def _index_context(request: HttpRequest) -> dict[str, Any]:
    latest = checkpoint_latest()
    size = current_size()
    return {
        "origin": settings.LEDGER_ORIGIN,
        "key": _signing_key(),
        "size": size,
        "latest": latest,
        "unsigned": size - (latest.tree_size if latest else 0),
        "page": Paginator(checkpoint_list(), 20).get_page(request.GET.get("page")),
        "witnesses": witness_list(),
    }


@login_required
@require_GET
@never_cache
def ledger_index_view(request: HttpRequest) -> HttpResponse:
    ledger_access(user=request.user)
    return render(request, "ledger/index.html", _index_context(request))


@login_required
@require_POST
@never_cache
def ledger_verify_view(request: HttpRequest) -> HttpResponse:
    """Run the full check now; htmx gets the report alone, others the page with it."""
    ledger_access(user=request.user)
    context = _report_context(ledger_verify())
    if getattr(request, "htmx", False):
        return render(request, "ledger/_report.html", context)
    return render(request, "ledger/index.html", {**_index_context(request), **context})


@login_required
@require_GET
@never_cache
def ledger_entries_view(request: HttpRequest) -> HttpResponse:
    ledger_access(user=request.user)
    form = EntryFilterForm(request.GET)
    page = None
    if form.is_valid():
        entries = entry_list(kind=form.cleaned_data["kind"], subject=form.subject_pair())
        page = Paginator(entries.order_by("-index"), 25).get_page(request.GET.get("page"))
    rows = [entry_view(entry) for entry in page] if page else []
    return render(request, "ledger/entries.html", {"form": form, "page": page, "rows": rows})


@login_required
@require_GET
@never_cache
def ledger_case_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's ledger entries and whether each is proven in the latest signed head."""
    case = case_get(user=request.user, pk=pk)
    ledger = case_ledger(case=case)
    rows = [{"view": entry_view(item.entry), "proof": item} for item in ledger.entries]
    return render(
        request, "ledger/_case_panel.html", {"case": case, "ledger": ledger, "rows": rows}
    )
