"""The dashboards over JSON: the same figures as the page, the reader's scope, and bad filters
named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.core.testing import AS_OF
from doorstep.reports.charts import CHARTS
from doorstep.reports.selectors import ReportFilters, chart_result
from doorstep.reports.services import chart_aggregate

pytestmark = pytest.mark.django_db


def test_the_api_lists_every_chart(portfolio, signed) -> None:
    answer = signed("manager_wang").get("/api/v1/reports/charts")
    assert answer.status_code == 200
    assert {chart["slug"] for chart in answer.json()} == set(CHARTS)


def test_a_chart_answers_with_the_pages_table(portfolio, signed) -> None:
    for chart in CHARTS.values():
        chart_aggregate(chart=chart, day=AS_OF)
    since = (AS_OF - timedelta(days=7)).isoformat()
    client = signed("admin")
    answer = client.get(f"/api/v1/reports/charts/buckets?since={since}&until={AS_OF}")
    assert answer.status_code == 200
    body = answer.json()
    page = chart_result(
        user=portfolio.world.user("admin"),
        chart=CHARTS["buckets"],
        filters=ReportFilters(since=AS_OF - timedelta(days=7), until=AS_OF),
    )
    assert body["as_of"] == AS_OF.isoformat()
    assert body["rows"] == [
        [v if v is None or isinstance(v, int | str) else str(v) for v in row]
        for row in page.figure.rows
    ]
    assert body["option"]["series"]


def test_bad_filters_are_named_and_unknown_charts_are_404(portfolio, signed) -> None:
    client = signed("manager_wang")
    late = client.get("/api/v1/reports/charts/buckets?since=2026-07-01&until=2026-06-01")
    assert late.status_code == 400
    assert "since" in late.json()["error"]["fields"]
    other_branch = client.get(f"/api/v1/reports/charts/buckets?branch={portfolio.world.bj.pk}")
    assert other_branch.status_code == 400
    assert "branch" in other_branch.json()["error"]["fields"]
    assert client.get("/api/v1/reports/charts/nope").status_code == 404


def test_an_agent_may_not_read_dashboards(portfolio, signed) -> None:
    assert signed("agent_li").get("/api/v1/reports/charts").status_code == 403
