"""The dashboards over JSON: the chart list, and each chart's table and ECharts option under
the same filters as the page (``since``, ``until``, ``branch``, ``team``, ``product``), scoped
to the reader like the page.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from doorstep.core.api_errors import ApiInput
from doorstep.core.errors import DomainError
from doorstep.reports.charts import CHARTS, Chart
from doorstep.reports.forms import ReportFilterForm
from doorstep.reports.selectors import chart_result, report_reader

router = Router(tags=["reports"])


class ChartOut(Schema):
    slug: str
    title: str
    section: str
    kind: str
    description: str


class ColumnOut(Schema):
    label: str
    kind: str


class ChartDataOut(ChartOut):
    since: date
    until: date
    as_of: date | None
    columns: list[ColumnOut]
    rows: list[list[Any]]
    option: dict[str, Any]


class ChartQuery(ApiInput):
    since: str = Field("", max_length=10, description="First day, YYYY-MM-DD.")
    until: str = Field("", max_length=10, description="Last day, YYYY-MM-DD.")
    branch: str = Field("", max_length=12, description="A branch id in the reader's scope.")
    team: str = Field("", max_length=12, description="A team id in the reader's scope.")
    product: str = Field("", max_length=20)


def _chart(chart: Chart) -> dict[str, Any]:
    return {
        "slug": chart.slug,
        "title": str(chart.title),
        "section": chart.section.value,
        "kind": chart.kind.value,
        "description": str(chart.description),
    }


def _cell(value: Any) -> Any:
    return value if value is None or isinstance(value, int | str) else str(value)


@router.get("/reports/charts", response=list[ChartOut])
def reports_charts(request: HttpRequest) -> Any:
    report_reader(user=request.user)
    return [_chart(chart) for chart in CHARTS.values()]


@router.get("/reports/charts/{slug}", response=ChartDataOut)
def reports_chart(request: HttpRequest, slug: str, query: Query[ChartQuery]) -> Any:
    report_reader(user=request.user)
    chart = CHARTS.get(slug)
    if chart is None:
        raise Http404
    data = {name: value for name, value in query.dict().items() if value}
    form = ReportFilterForm(data, user=request.user)
    if not form.is_valid():
        name, messages = next(iter(form.errors.items()))
        raise DomainError("invalid", " ".join(str(m) for m in messages), field=name)
    result = chart_result(user=request.user, chart=chart, filters=form.filters())
    return {
        **_chart(chart),
        "since": result.filters.since,
        "until": result.filters.until,
        "as_of": result.as_of,
        "columns": [{"label": c.label, "kind": c.kind.value} for c in result.figure.columns],
        "rows": [[_cell(value) for value in row] for row in result.figure.rows],
        "option": result.figure.option,
    }
