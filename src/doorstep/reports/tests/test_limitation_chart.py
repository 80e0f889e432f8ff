"""The limitation chart of a demo bank, read in chunks of open cases, counts every account of
every open case in the band the case file shows, under its case's branch, team and product; in
a few queries per chunk, not per case."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.cases.models import Case
from doorstep.compliance.models import LimitationEvent
from doorstep.compliance.selectors import case_limitation
from doorstep.core.testing import AS_OF
from doorstep.demo.services import demo_load
from doorstep.ledger.tests.conftest import log_key
from doorstep.reports.charts import CHARTS
from doorstep.reports.charts import limitation as chart
from doorstep.reports.models import Fact
from doorstep.reports.services import chart_aggregate

__all__ = ["log_key"]

pytestmark = pytest.mark.django_db

Dims = tuple[int | None, int | None, str, str]


@pytest.fixture
def open_cases() -> list[Case]:
    demo_load(accounts=400, seed=5, as_of=AS_OF, background=False)
    cases = list(Case.objects.exclude(status__startswith="closed_").filter(opened_on__lte=AS_OF))
    first, second, third = (case.accounts.order_by("pk")[0] for case in cases[:3])
    for account, kind, on, ended_on in [
        (first, "suit", date(2026, 1, 5), None),  # pending: the period does not run
        (second, "acknowledgement", date(2026, 6, 20), None),
        (third, "obstacle", date(2026, 3, 1), None),
    ]:
        LimitationEvent.objects.create(
            account=account, kind=kind, on=on, ended_on=ended_on, source="test"
        )
    return cases


def _on_file(cases: list[Case], day: date) -> Counter[Dims]:
    """Each open case's accounts by band, as the case file shows them, one case at a time."""
    found: Counter[Dims] = Counter()
    for case in cases:
        first = case.accounts.order_by("opened_on", "pk").first()
        product = first.product if first is not None else ""
        for item in case_limitation(case, today=day):
            key = chart.band(item.days_left, time_barred=item.time_barred)
            found[case.branch_id, case.team_id, product, key] += 1
    return found


def _facts(day: date = AS_OF) -> Counter[Dims]:
    return Counter(
        {
            (fact.branch_id, fact.team_id, fact.product, fact.key): fact.count
            for fact in Fact.objects.filter(chart="limitation", day=day)
        }
    )


@pytest.mark.parametrize(
    ("day", "bands"),
    [
        (AS_OF, {chart.NOT_RUNNING, chart.OVER}),
        # Two and a half years on, the same periods fall in the nearer bands or have expired.
        (date(2029, 1, 15), {chart.NOT_RUNNING, chart.EXPIRED, "30", "90", "180"}),
    ],
)
def test_the_chart_counts_each_account_in_the_band_the_case_file_shows(
    open_cases: list[Case], monkeypatch: pytest.MonkeyPatch, day: date, bands: set[str]
) -> None:
    monkeypatch.setattr(chart, "CHUNK", 7)  # several chunks and a short last one
    assert len(open_cases) % 7 != 0
    assert len(open_cases) > 3 * 7

    chart_aggregate(chart=CHARTS["limitation"], day=day)

    direct = _on_file(open_cases, day)
    assert _facts(day) == direct
    assert direct.total() == sum(case.accounts.count() for case in open_cases)
    assert {key for *_, key in direct} == bands


def test_the_queries_grow_with_the_chunks_not_the_cases(
    open_cases: list[Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    chart_aggregate(chart=CHARTS["limitation"], day=AS_OF)  # the calendar cache filled
    with CaptureQueriesContext(connection) as one_chunk:
        chart_aggregate(chart=CHARTS["limitation"], day=AS_OF)
    facts = _facts()
    monkeypatch.setattr(chart, "CHUNK", len(open_cases) // 3 + 1)
    with CaptureQueriesContext(connection) as three_chunks:
        chart_aggregate(chart=CHARTS["limitation"], day=AS_OF)

    assert _facts() == facts
    per_chunk = (len(three_chunks) - len(one_chunk)) // 2
    assert len(three_chunks) - len(one_chunk) == 2 * per_chunk
    assert per_chunk == 7
    assert len(one_chunk) < 20
