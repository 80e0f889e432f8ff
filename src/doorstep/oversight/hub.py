"""The oversight hub: one page linking complaints, internal audit, remediation and training,
with what needs attention in each for the reader (counts through each part's selectors)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from doorstep.assistant.services import EDITORS
from doorstep.compliance.selectors import may
from doorstep.core.views import login_required
from doorstep.oversight.audit.selectors import campaign_visible, remediation_visible
from doorstep.oversight.complaints.selectors import ComplaintFilters, complaint_list
from doorstep.oversight.regulator.selectors import may_report
from doorstep.oversight.training.selectors import training_overview
from doorstep.plans.policy_views import policy_reader


@login_required
@require_GET
def hub_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    context = {
        "open_complaints": complaint_list(
            user=user, filters=ComplaintFilters(status="open")
        ).count(),
        "overdue_complaints": complaint_list(
            user=user, filters=ComplaintFilters(status="open", overdue=True)
        ).count(),
        "campaigns": campaign_visible(user=user).filter(status="reviewing").count(),
        "remediation_open": remediation_visible(user=user).exclude(status="verified").count(),
        "training_due": len(training_overview(user=user, on_date=today, due_only=True)),
        "may_report": may_report(user),
        "sees_policies": policy_reader(user),
        "edits_kb": may(user, EDITORS),
    }
    return render(request, "oversight/hub.html", context)
