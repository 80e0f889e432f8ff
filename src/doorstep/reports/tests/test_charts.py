"""Every chart's numbers, aggregated and read back through the dashboards' selector, equal the
same numbers counted straight from the source tables."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import F, Sum

from doorstep.cases.models import BucketChange, Case
from doorstep.compliance.models import Decision
from doorstep.compliance.selectors import case_limitation
from doorstep.core.testing import AS_OF
from doorstep.portfolio.models import Payment
from doorstep.reports.charts import CHARTS
from doorstep.reports.charts.limitation import band
from doorstep.reports.figures import Cell
from doorstep.reports.models import Fact, Run
from doorstep.reports.selectors import ReportFilters, chart_cells
from doorstep.reports.services import chart_aggregate

pytestmark = pytest.mark.django_db


def aggregate_all(day: date) -> None:
    for chart in CHARTS.values():
        chart_aggregate(chart=chart, day=day)


def cells(user, slug: str, day: date, **filters) -> dict[tuple[str, str], Cell]:  # type: ignore[no-untyped-def]
    found, _ = chart_cells(
        user=user, chart=CHARTS[slug], filters=ReportFilters(since=day, until=day, **filters)
    )
    return {(cell.key, cell.key2): cell for cell in found}


def test_cases_and_balance_by_bucket_equal_the_open_cases_on_file(portfolio) -> None:
    aggregate_all(AS_OF)
    found = cells(portfolio.world.user("admin"), "buckets", AS_OF)
    direct = (
        Case.objects.exclude(status__startswith="closed_")
        .values("bucket")
        .annotate(
            n=Sum(1),
            unpaid=Sum(
                F("outstanding_principal") + F("outstanding_interest") + F("outstanding_penalty")
            ),
            late=Sum("past_due"),
        )
    )
    assert {key: (cell.count, cell.amount, cell.amount2) for (key, _), cell in found.items()} == {
        row["bucket"]: (row["n"], row["unpaid"], row["late"]) for row in direct
    }
    assert found[("M3", "")].count == 2  # zhang's and wu's cards; zhou's cured loan is closed


def _bucket_on(case: Case, day: date) -> str | None:
    last = case.bucket_changes.filter(on__lte=day).order_by("-on", "-id").first()
    return last.to_bucket if last else None


def test_the_roll_rate_matrix_follows_each_case_from_the_end_of_last_month(portfolio) -> None:
    aggregate_all(AS_OF)
    found = cells(portfolio.world.user("admin"), "roll_rates", AS_OF)
    direct: Counter[tuple[str, str]] = Counter()
    for case in Case.objects.all():
        start = _bucket_on(case, date(2026, 5, 31))
        if start is not None:
            direct[(start, _bucket_on(case, AS_OF) or "")] += 1
    assert {key: cell.count for key, cell in found.items()} == dict(direct)
    assert dict(direct) == {("M2", "M3"): 1, ("M1", "current"): 1}


def test_cure_and_recovery_by_vintage_count_payments_since_opening(portfolio) -> None:
    aggregate_all(AS_OF)
    found = cells(portfolio.world.user("admin"), "vintages", AS_OF)
    figure = CHARTS["vintages"].present(list(found.values()))
    direct: dict[str, list[Decimal]] = {}
    for case in Case.objects.all():
        row = direct.setdefault(case.opened_on.strftime("%Y-%m"), [Decimal(0)] * 4)
        row[0] += 1
        row[1] += case.status == "closed_cured" and _bucket_on(case, AS_OF) == "current"
        row[2] += BucketChange.objects.get(case=case, cause="opened").cause_amount or 0
        row[3] += Payment.objects.filter(
            account__cases=case, paid_on__gte=case.opened_on, paid_on__lte=AS_OF
        ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    assert {row[0]: (row[1], row[2], row[4], row[5]) for row in figure.rows} == {
        vintage: tuple(values) for vintage, values in direct.items()
    }
    may = next(row for row in figure.rows if row[0] == "2026-05")
    # huang (loan due 10 May) and zhou (loan due 1 May, paid up on 5 June, cured).
    assert may[1:4] == [2, 1, Decimal("0.5000")]
    assert may[6] == (may[5] / may[4]).quantize(Decimal("0.0001"))


def test_limitation_bands_cover_every_account_of_the_open_cases(portfolio) -> None:
    aggregate_all(AS_OF)
    found = cells(portfolio.world.user("admin"), "limitation", AS_OF)
    direct: Counter[str] = Counter()
    for case in Case.objects.exclude(status__startswith="closed_"):
        for account in case_limitation(case, today=AS_OF):
            direct[band(account.days_left, time_barred=account.time_barred)] += 1
    assert {key: cell.count for (key, _), cell in found.items()} == dict(direct)
    assert sum(direct.values()) == 3


def test_decisions_by_verdict_rule_and_override_equal_the_decision_log(portfolio) -> None:
    today = portfolio.today
    aggregate_all(today)
    admin = portfolio.world.user("admin")
    verdicts = cells(admin, "verdicts", today)
    assert {key: cell.count for (key, _), cell in verdicts.items()} == dict(
        Counter(Decision.objects.values_list("verdict", flat=True))
    )
    rules = cells(admin, "rules", today)
    direct: Counter[tuple[str, str]] = Counter()
    for decision in Decision.objects.all():
        for rule in decision.rules:
            direct[(rule, decision.verdict)] += 1
    assert {key: cell.count for key, cell in rules.items()} == dict(direct)
    overrides = cells(admin, "overrides", today)
    assert {key: cell.count for key, cell in overrides.items()} == {
        ("block", "decision"): 1,
        ("CN-HOL-01", ""): 1,
    }
    assert Decision.objects.filter(overridden_by__isnull=False).count() == 1


def test_flow_charts_sum_every_day_of_the_range_and_only_those(portfolio) -> None:
    today = portfolio.today
    chart = CHARTS["verdicts"]
    chart_aggregate(chart=chart, day=today)
    chart_aggregate(chart=chart, day=today - timedelta(days=1))
    admin = portfolio.world.user("admin")
    inside, _ = chart_cells(
        user=admin, chart=chart, filters=ReportFilters(today - timedelta(days=7), today)
    )
    before, _ = chart_cells(
        user=admin,
        chart=chart,
        filters=ReportFilters(today - timedelta(days=7), today - timedelta(days=1)),
    )
    assert sum(cell.count for cell in inside) == Decision.objects.count() == 3
    assert before == []


def test_a_snapshot_chart_shows_the_latest_aggregated_day_in_the_range(portfolio) -> None:
    chart = CHARTS["buckets"]
    chart_aggregate(chart=chart, day=AS_OF - timedelta(days=3))
    chart_aggregate(chart=chart, day=AS_OF)
    _, as_of = chart_cells(
        user=portfolio.world.user("admin"),
        chart=chart,
        filters=ReportFilters(AS_OF - timedelta(days=30), AS_OF),
    )
    assert as_of == AS_OF


def test_aggregating_a_day_again_replaces_its_cells(portfolio) -> None:
    aggregate_all(AS_OF)
    first = sorted(Fact.objects.values_list("chart", "key", "key2", "count"))
    aggregate_all(AS_OF)
    assert sorted(Fact.objects.values_list("chart", "key", "key2", "count")) == first
    assert Run.objects.filter(day=AS_OF).count() == len(CHARTS)


def test_a_manager_sees_only_her_branch_and_filters_narrow_it(portfolio) -> None:
    aggregate_all(AS_OF)
    world = portfolio.world
    wang = cells(world.user("manager_wang"), "buckets", AS_OF)
    assert (
        sum(cell.count for cell in wang.values())
        == Case.objects.filter(branch=world.xh).exclude(status__startswith="closed_").count()
    )
    # Asking for another branch does not widen her scope.
    assert cells(world.user("manager_wang"), "buckets", AS_OF, branch=world.bj.pk) == {}
    liu = cells(world.user("manager_liu"), "buckets", AS_OF)
    assert {key for key, _ in liu} == {"M2"}  # huang's loan
    loans = cells(world.user("admin"), "buckets", AS_OF, product="personal_loan")
    assert sum(cell.count for cell in loans.values()) == 1
    field_team = world.agent_li.team_id
    team = cells(world.user("admin"), "buckets", AS_OF, team=field_team)
    assert (
        sum(cell.count for cell in team.values())
        == Case.objects.filter(team_id=field_team).exclude(status__startswith="closed_").count()
    )


def test_a_run_that_dies_midway_keeps_the_days_previous_cells(portfolio) -> None:
    """A worker killed mid-aggregation loses nothing: the day's replacement is one transaction,
    so the old cells stay until a rerun (the task is retried) writes the new ones."""
    chart = CHARTS["buckets"]
    chart_aggregate(chart=chart, day=AS_OF)
    before = sorted(Fact.objects.values_list("key", "count"))

    def dies_after_one_row(day: date):  # type: ignore[no-untyped-def]
        rows = iter(chart.aggregate(day))
        yield next(rows)
        raise ConnectionError("worker lost its database connection")

    dying = replace(chart, aggregate=dies_after_one_row)
    with pytest.raises(ConnectionError):
        chart_aggregate(chart=dying, day=AS_OF)
    assert sorted(Fact.objects.values_list("key", "count")) == before
    chart_aggregate(chart=chart, day=AS_OF)
    assert sorted(Fact.objects.values_list("key", "count")) == before
