"""The dashboards in a real Chromium: every chart is drawn by the locally served ECharts next to
its table, and a screenshot of each section is kept for docs/dashboards.md."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from doorstep.cases.services import case_open, cases_sync
from doorstep.compliance.proposals import ContactProposal
from doorstep.compliance.services import contact_decide
from doorstep.core.testing import AS_OF, make_account, make_customer
from doorstep.reports.charts import CHARTS, Section, charts_in
from doorstep.reports.services import chart_aggregate

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_a_manager_sees_the_portfolio_charts_drawn(signed_in, world) -> None:
    # A card that fell late in April, its case opened in May: history for the roll rates.
    wu = make_customer("吴敏", national_id="330106198812121234", phone="13911112222")
    card = make_account(wu, world.xh, dues=[(date(2026, 4, 15), "800.00")])
    case_open(customer=wu, accounts=[card], as_of=date(2026, 5, 20))
    cases_sync(as_of=AS_OF)
    for chart in CHARTS.values():
        chart_aggregate(chart=chart, day=AS_OF)
    page = signed_in("manager_wang")
    echarts_requests: list[str] = []
    page.on("request", lambda r: echarts_requests.append(r.url) if "echarts" in r.url else None)
    page.goto(f"/reports/portfolio/?since=2026-06-01&until={AS_OF.isoformat()}")
    for chart in charts_in(Section.PORTFOLIO):
        panel = page.locator(f"#panel-{chart.slug}")
        expect(panel.locator("[data-drawn=true] canvas").first).to_be_visible()
        expect(panel.locator("table tbody tr").first).to_be_visible()
    origin = page.url.split("/reports")[0]
    assert echarts_requests
    assert all(url.startswith(origin) for url in echarts_requests)  # served locally, no CDN
    expect(page.locator("#panel-buckets tbody")).to_contain_text("M3")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-portfolio.png"), full_page=True)


def test_a_compliance_officer_sees_decisions_by_verdict_and_rule(signed_in, world) -> None:
    holiday = datetime(2026, 10, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    decision = contact_decide(
        case=world.zhang_case,
        proposal=ContactProposal("visit", holiday, staff_count=2),
        actor=world.user("agent_li"),
    )
    day = decision.decided_at.astimezone(ZoneInfo("Asia/Shanghai")).date()
    for chart in charts_in(Section.COMPLIANCE):
        chart_aggregate(chart=chart, day=day)
    page = signed_in("compliance_zhou", locale="zh-CN")
    page.goto(f"/reports/compliance/?since={day.isoformat()}&until={day.isoformat()}")
    expect(page.locator("#panel-verdicts [data-drawn=true] canvas").first).to_be_visible()
    expect(page.locator("#panel-rules tbody")).to_contain_text("CN-HOL-01")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-compliance.png"), full_page=True)
