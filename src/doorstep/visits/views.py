"""The field app's pages: the app shell at ``/field/``, its web manifest and its service worker.

The shell is one page; everything else it shows comes from the JSON API (``/api/v1/field/day``)
and the phone's IndexedDB, so it works a whole day with no network. Its texts are translated
here and handed to the script as JSON, so the one catalogue covers the app too.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.staff.selectors import staff_for
from doorstep.visits.envelope import FAR_METRES
from doorstep.visits.lifecycle import Outcome, Status
from doorstep.visits.models import OUTCOME_LABELS, STATUS_LABELS
from doorstep.visits.outline import EMERGENCY_NUMBER
from doorstep.visits.report_pdf import visit_report_pdf
from doorstep.visits.selectors import (
    OVERDUE_GRACE,
    VisitAction,
    evidence_file,
    visit_board,
    visit_briefing,
    visit_can,
    visit_get,
    visit_report,
)
from doorstep.visits.services import visit_report_sign_off

SHELL_ASSETS = (
    "doorstep/doorstep.css",
    "visits/field/field.css",
    "visits/field/envelope.js",
    "visits/field/queue.js",
    "visits/field/app.js",
    "visits/field/icon.svg",
    "planning/leaflet/leaflet.css",
    "planning/leaflet/leaflet.js",
)


def _strings() -> dict[str, str]:
    return {
        "today": _("Today's visits"),
        "route_map": _("Map of today's route"),
        "none": _("No visits for this day."),
        "offline": _("Offline: records are kept on this phone."),
        "online": _("Online"),
        "waiting": _("Waiting to sync"),
        "sync_now": _("Sync now"),
        "synced": _("Synced"),
        "flagged": _("Kept and flagged"),
        "rejected": _("Needs correction"),
        "pending": _("Waiting"),
        "back": _("Back to the route"),
        "navigate": _("Open in the map app"),
        "briefing": _("Briefing"),
        "outline": _("Interview outline"),
        "never_say": _("Never say"),
        "options": _("Options you may offer"),
        "contingencies": _("If things go wrong"),
        "tracing": _("Tracing: the debtor cannot be reached"),
        "owed": _("Owed"),
        "past_due": _("Past due"),
        "outstanding": _("Outstanding"),
        "dpd": _("Days past due"),
        "risk": _("Risk"),
        "check_in": _("Check in here"),
        "checked_in": _("Checked in"),
        "locating": _("Finding your position…"),
        "no_position": _("Your position is not available; allow location and try again."),
        "distance": _("%(metres)s m from the address"),
        "far_reason": _("You are far from the address: say why you check in here."),
        "refused": _("Check-in refused on this phone: %(rules)s"),
        "outcome": _("Outcome"),
        "payment_reference": _("Bank transaction reference"),
        "save_outcome": _("Record outcome"),
        "note": _("Note"),
        "save_note": _("Save note"),
        "photo": _("Photo"),
        "audio": _("Recording"),
        "audio_start": _("Record the conversation"),
        "audio_stop": _("Stop recording"),
        "audio_tell": _("Recording."),
        "audio_informed": _("I have told the debtor that the conversation is recorded"),
        "audio_unavailable": _("This phone cannot record here."),
        "photo_saved": _("Kept on this phone, SHA-256 %(hash)s"),
        "overdue": _(
            "You have been at the door longer than expected. Are you safe? Your supervisor "
            "sees this on the board."
        ),
        "safe": _("I am safe"),
        "signature": _("Debtor's signature"),
        "save_signature": _("Keep signature"),
        "promise": _("Promise to pay"),
        "amount": _("Amount (CNY)"),
        "due_on": _("Pay by"),
        "save_promise": _("Record promise"),
        "safety": _("Safety: call %(number)s") % {"number": EMERGENCY_NUMBER},
        "safety_sent": _("Your supervisor is alerted with your position."),
        "saved": _("Saved on this phone."),
        "required": _("This field is required."),
        "months": _("%(months)s × %(monthly)s"),
        "window": _("Window"),
        "stop": _("Stop %(n)s"),
    }


@login_required
@never_cache
def field_app(request: HttpRequest) -> HttpResponse:
    outcomes = [{"value": o.value, "label": str(OUTCOME_LABELS[o])} for o in Outcome]
    return render(
        request,
        "visits/field/app.html",
        {
            "strings": _strings(),
            "outcomes": outcomes,
            "config": {
                "day_url": reverse("api:field_day"),
                "sync_url": reverse("api:field_sync_batch"),
                "upload_url": reverse(
                    "api:field_evidence_upload",
                    kwargs={"record_id": "00000000-0000-0000-0000-000000000000"},
                ),
                "sw_url": reverse("visits:service_worker"),
                "far_metres": FAR_METRES,
                "tiles": settings.DOORSTEP_TILE_URL,
                "overdue_grace_minutes": int(OVERDUE_GRACE.total_seconds() // 60),
                "emergency_number": EMERGENCY_NUMBER,
                "statuses": {status.value: str(label) for status, label in STATUS_LABELS.items()},
            },
        },
    )


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web manifest that makes the field app installable on the phone's home screen."""
    data: dict[str, Any] = {
        "name": _("Doorstep field app"),
        "short_name": _("Doorstep"),
        "start_url": reverse("visits:field"),
        "scope": reverse("visits:field"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#8b1e1e",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("visits/field/icon.svg"), "sizes": "any", "type": "image/svg+xml"}
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from ``/field/`` so its scope covers the app. Rendered
    without the request: it is the same script for everyone and needs no session."""
    script = render_to_string(
        "visits/field/sw.js",
        {"shell": reverse("visits:field"), "assets": [static(path) for path in SHELL_ASSETS]},
    )
    response = HttpResponse(script, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def briefing_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The briefing and interview outline, printable (the app shows the same)."""
    visit = visit_get(user=request.user, pk=pk)
    return render(
        request, "visits/briefing.html", {"visit": visit, "briefing": visit_briefing(visit)}
    )


@login_required
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit report; a manager of the branch signs it off here."""
    visit = visit_get(user=request.user, pk=pk)
    staff = staff_for(request.user)
    can_sign = staff is not None and visit_can(staff=staff, visit=visit, action=VisitAction.MANAGE)
    if request.method == "POST":
        visit = visit_get(user=request.user, pk=pk, action=VisitAction.MANAGE)
        try:
            visit_report_sign_off(visit=visit, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Report signed off."))
        return redirect("visits:report", pk=pk)
    signable = can_sign and visit.status in {Status.COMPLETED.value, Status.ABORTED.value}
    return render(
        request,
        "visits/report.html",
        {"report": visit_report(visit), "visit": visit, "can_sign": signable},
    )


@login_required
def evidence_file_page(request: HttpRequest, pk: int, record: uuid.UUID) -> HttpResponse:
    """The photo or signature behind an evidence record, for whoever may see the visit."""
    found, data = evidence_file(user=request.user, visit_pk=pk, client_uuid=record)
    response = HttpResponse(data, content_type=found.content_type)
    response["Content-Disposition"] = f'inline; filename="evidence-{found.sha256[:12]}"'
    response["X-Content-SHA256"] = found.sha256
    return response


@login_required
def report_pdf_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a PDF file (the same scope as the page)."""
    visit = visit_get(user=request.user, pk=pk)
    response = HttpResponse(visit_report_pdf(visit_report(visit)), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="visit-{visit.case.reference}-{visit.pk}.pdf"'
    )
    return response


@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    """The supervisor's live board of today's visits: status, last check-in, safety alerts,
    and teams at the door longer than expected."""
    now = timezone.now()
    day = timezone.localdate(now)
    raw = request.GET.get("day", "")
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("Enter a date as YYYY-MM-DD."))
    rows = visit_board(user=request.user, day=day, now=now)
    return render(request, "visits/board.html", {"rows": rows, "day": day})
