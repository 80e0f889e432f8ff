"""The dashboard pages and their Excel exports.

Each chart is rendered server-side as a table (readable without JavaScript, and what the export
writes) plus an ECharts option the page's script draws from a ``json_script`` block; ECharts is
served from our own static files, never a CDN.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from doorstep.access.matrix import Category
from doorstep.access.services import export_record
from doorstep.core.templatetags.ui import format_money
from doorstep.core.views import login_required
from doorstep.portfolio.models import Account
from doorstep.reports.charts import CHARTS, Chart, Section, charts_in
from doorstep.reports.exports import chart_workbook
from doorstep.reports.figures import ColumnKind, Figure
from doorstep.reports.forms import ReportFilterForm
from doorstep.reports.selectors import ChartResult, chart_result, report_reader

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _display(value: Any, kind: ColumnKind) -> str:
    if value is None:
        return "—"
    match kind:
        case ColumnKind.MONEY:
            return format_money(value)
        case ColumnKind.PERCENT:
            return f"{value * 100:.2f}%"
        case ColumnKind.COUNT:
            return f"{value:,}"
        case _:
            return str(value)


def _table(figure: Figure) -> list[list[dict[str, Any]]]:
    return [
        [
            {"text": _display(value, column.kind), "numeric": column.kind != ColumnKind.TEXT}
            for value, column in zip(row, figure.columns, strict=True)
        ]
        for row in figure.rows
    ]


SECTION_TITLES = {
    Section.PORTFOLIO: gettext_lazy("Portfolio"),
    Section.FIELD: gettext_lazy("Field operations"),
    Section.COMPLIANCE: gettext_lazy("Compliance and oversight"),
}


def _section_title(section: Section) -> str:
    return str(SECTION_TITLES[section])


def _date_value(form: ReportFilterForm, name: str) -> str:
    """What the date input shows: the range in force (defaults filled in) once valid, else what
    was typed, so a mistake stays on screen next to its message."""
    if form.is_valid():
        return str(form.cleaned_data[name].isoformat())
    return str(form.data.get(name, ""))


@login_required
@require_GET
def dashboard_view(request: HttpRequest, section: str = Section.PORTFOLIO.value) -> HttpResponse:
    report_reader(user=request.user)
    try:
        chosen = Section(section)
    except ValueError as exc:
        raise Http404 from exc
    form = ReportFilterForm(request.GET, user=request.user)
    panels = []
    if form.is_valid():
        filters = form.filters()
        for chart in charts_in(chosen):
            result = chart_result(user=request.user, chart=chart, filters=filters)
            panels.append(
                {
                    "result": result,
                    "table": _table(result.figure),
                    "option_id": f"option-{chart.slug}",
                    "option": result.figure.option,
                }
            )
    context = {
        "form": form,
        "panels": panels,
        "section": chosen.value,
        "sections": [(s.value, _section_title(s)) for s in Section],
        "title": _section_title(chosen),
        "query": request.GET.urlencode(),
        "since": _date_value(form, "since"),
        "until": _date_value(form, "until"),
    }
    return render(
        request, "reports/dashboard.html", context, status=200 if form.is_valid() else 400
    )


def _scope_lines(form: ReportFilterForm) -> list[tuple[str, str]]:
    data = form.cleaned_data
    lines = []
    if data.get("branch"):
        lines.append((_("Branch"), data["branch"].name))
    if data.get("team"):
        lines.append((_("Team"), f"{data['team'].branch.code} · {data['team'].name}"))
    if data.get("product"):
        lines.append((_("Product"), str(Account.Product(data["product"]).label)))
    return lines


@login_required
@require_GET
def chart_export_view(request: HttpRequest, slug: str) -> HttpResponse:
    report_reader(user=request.user)
    chart: Chart | None = CHARTS.get(slug)
    if chart is None:
        raise Http404
    form = ReportFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        errors = "; ".join(
            f"{name}: {' '.join(str(m) for m in msgs)}" for name, msgs in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    result: ChartResult = chart_result(user=request.user, chart=chart, filters=form.filters())
    body = chart_workbook(result, scope=_scope_lines(form))
    # The matrix decides who may export, and every export is logged (docs/permissions.md).
    export_record(
        user=request.user,
        category=Category.REPORTS,
        what=f"chart {slug}",
        filters=dict(request.GET.items()),
        rows=len(result.figure.rows),
        remote_addr=request.META.get("REMOTE_ADDR"),
        channel="web",
    )
    response = HttpResponse(body, content_type=XLSX)
    name = f"doorstep-{slug}-{result.filters.since}-{result.filters.until}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
