"""The dashboard pages, the Excel export and the aggregation command, through their interfaces."""

from __future__ import annotations

from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from doorstep.core.testing import AS_OF
from doorstep.reports.charts import CHARTS
from doorstep.reports.models import Fact, Run
from doorstep.reports.selectors import ReportFilters, chart_result
from doorstep.reports.services import chart_aggregate

pytestmark = pytest.mark.django_db
RANGE = {"since": "2026-06-01", "until": AS_OF.isoformat()}


@pytest.fixture
def aggregated(portfolio):  # type: ignore[no-untyped-def]
    for chart in CHARTS.values():
        chart_aggregate(chart=chart, day=AS_OF)
    return portfolio


def test_the_portfolio_dashboard_shows_each_chart_with_its_table(aggregated, signed) -> None:
    response = signed("manager_wang").get(
        "/reports/portfolio/", RANGE, headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    for slug in ("buckets", "roll_rates", "vintages", "limitation"):
        assert f'id="panel-{slug}"' in page
        assert f'id="option-{slug}"' in page
        assert f"/reports/charts/{slug}.xlsx?" in page
    assert "reports/vendor/echarts.min.js" in page
    assert "Data as of" in page


def test_the_compliance_dashboard_counts_the_days_decisions(aggregated, signed) -> None:
    today = aggregated.today
    for slug in ("verdicts", "rules", "overrides"):
        chart_aggregate(chart=CHARTS[slug], day=today)
    response = signed("compliance_zhou").get(
        "/reports/compliance/", {"since": today.isoformat(), "until": today.isoformat()}
    )
    assert response.status_code == 200
    assert "CN-HOL-01" in response.content.decode()


def test_a_field_agent_has_no_dashboards(aggregated, signed) -> None:
    client = signed("agent_li")
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/charts/buckets.xlsx").status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client) -> None:
    response = client.get("/reports/")
    assert (response.status_code, response["Location"]) == (302, "/login/?next=/reports/")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"since": "2026-07-01", "until": "2026-06-01"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"branch": "999999"}, "branch"),
        ({"product": "mortgage"}, "product"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(aggregated, signed, query, field) -> None:
    client = signed("admin")
    page = client.get("/reports/portfolio/", query)
    export = client.get("/reports/charts/buckets.xlsx", query)
    assert (page.status_code, export.status_code) == (400, 400)
    assert page.context["form"].errors[field]
    assert export.content.decode().startswith(f"{field}:")


def test_a_branch_outside_the_managers_scope_is_not_a_choice(aggregated, signed) -> None:
    response = signed("manager_wang").get("/reports/portfolio/", {"branch": aggregated.world.bj.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["branch"]


def test_the_excel_export_holds_the_table_on_the_page(aggregated, signed) -> None:
    world = aggregated.world
    response = signed("admin").get(
        "/reports/charts/buckets.xlsx",
        {**RANGE, "branch": world.xh.pk},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="doorstep-buckets-2026-06-01-2026-06-30.xlsx"'
    )
    sheet = load_workbook(BytesIO(response.content)).active
    values = [
        [value for value in row if value is not None] for row in sheet.iter_rows(values_only=True)
    ]
    header = values.index(["Bucket", "Cases", "Unpaid total", "Past due", "Share of balance"])
    expected = chart_result(
        user=world.user("admin"),
        chart=CHARTS["buckets"],
        filters=ReportFilters(since=AS_OF.replace(day=1), until=AS_OF, branch=world.xh.pk),
    ).figure.rows
    assert [[row[0], row[1], *(float(value) for value in row[2:])] for row in expected] == [
        [row[0], row[1], *(float(value) for value in row[2:])] for row in values[header + 1 :]
    ]
    assert ["Branch", world.xh.name] in values


def test_the_aggregate_command_stores_every_chart_for_the_day(portfolio) -> None:
    out = StringIO()
    call_command("reports", "aggregate", "--date", AS_OF.isoformat(), stdout=out)
    assert Run.objects.filter(day=AS_OF).count() == len(CHARTS)
    assert f"buckets: {Fact.objects.filter(chart='buckets').count()} rows for 2026-06-30" in (
        out.getvalue()
    )


def test_the_aggregate_command_refuses_a_bad_date_or_chart(db) -> None:
    with pytest.raises(CommandError, match="--date must be a date like 2026-06-30"):
        call_command("reports", "aggregate", "--date", "30/06/2026")
    with pytest.raises(CommandError, match="No such chart: pies"):
        call_command("reports", "aggregate", "--chart", "pies")
    assert not Run.objects.exists()
