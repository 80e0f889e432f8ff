"""The report page: pick a quarter, see every table, download the file to send."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from doorstep.access.matrix import Category
from doorstep.access.services import export_record
from doorstep.core.errors import DomainError
from doorstep.core.views import login_required
from doorstep.oversight.regulator.quarters import BadQuarter, Quarter
from doorstep.oversight.regulator.selectors import may_report, regulator_report
from doorstep.oversight.regulator.services import RENDERERS, regulator_report_issue


def _quarter(request: HttpRequest) -> tuple[Quarter, str]:
    default = Quarter.containing(timezone.localdate()).previous()
    text = request.GET.get("quarter", "").strip()
    if not text:
        return default, ""
    try:
        return Quarter.parse(text), ""
    except BadQuarter as error:
        return default, str(error)


@login_required
@require_GET
def regulator_report_view(request: HttpRequest) -> HttpResponse:
    if not may_report(request.user):
        raise Http404
    quarter, error = _quarter(request)
    current = Quarter.containing(timezone.localdate())
    choices = [current]
    for _step in range(7):
        choices.append(choices[-1].previous())
    context = {
        "report": regulator_report(quarter=quarter),
        "quarter": quarter,
        "choices": [str(choice) for choice in choices],
        "formats": sorted(RENDERERS),
        "error": error,
    }
    return render(request, "oversight/regulator/report.html", context, status=400 if error else 200)


@login_required
@require_GET
def regulator_report_download_view(request: HttpRequest, quarter: str, format: str) -> HttpResponse:
    if not may_report(request.user):
        raise Http404
    try:
        issued = regulator_report_issue(
            user=request.user, quarter=Quarter.parse(quarter), format=format
        )
    except (BadQuarter, DomainError) as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    # The matrix decides who may export, and every export is logged (docs/permissions.md).
    export_record(
        user=request.user,
        category=Category.REPORTS,
        what=f"regulator report {issued.filename}",
        filters={"quarter": quarter, "format": format},
        rows=0,
        remote_addr=request.META.get("REMOTE_ADDR"),
        channel="web",
    )
    response = HttpResponse(issued.content, content_type=issued.content_type)
    response["Content-Disposition"] = f'attachment; filename="{issued.filename}"'
    response["X-Content-SHA256"] = issued.sha256
    return response
