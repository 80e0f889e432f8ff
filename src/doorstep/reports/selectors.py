"""Reads of the dashboards, scoped by the reader's role and branch.

The same scoping as the case list and the decision log: compliance officers, internal auditors and
head-office administrators see every branch; collections managers and branch administrators
their own branch; nobody else reads dashboards (a field agent has the field app).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet, Sum

from doorstep.access.matrix import Action, Category, may
from doorstep.reports.charts import Chart, Kind
from doorstep.reports.figures import Cell, Figure
from doorstep.reports.models import Fact, Run
from doorstep.staff.models import Branch, StaffMember, Team
from doorstep.staff.selectors import ALL_BRANCH_ROLES, staff_for


class ReportsDenied(PermissionDenied):
    pass


@dataclass(frozen=True)
class ReportFilters:
    since: date
    until: date
    branch: int | None = None
    team: int | None = None
    product: str = ""


@dataclass(frozen=True)
class ChartResult:
    chart: Chart
    figure: Figure
    # Snapshot charts: the aggregated day shown (None when no day in the range was aggregated).
    as_of: date | None
    filters: ReportFilters


def report_reader(*, user: Any) -> StaffMember:
    """The staff member behind ``user`` if they may read dashboards; 403 otherwise."""
    staff = staff_for(user)
    if staff is None or not may(staff.role, Category.REPORTS, Action.READ):
        raise ReportsDenied
    return staff


def report_branches(*, user: Any) -> QuerySet[Branch]:
    """The branches ``user`` may filter on."""
    staff = report_reader(user=user)
    branches = Branch.objects.order_by("code")
    if staff.role in ALL_BRANCH_ROLES:
        return branches
    return branches.none() if staff.branch_id is None else branches.filter(pk=staff.branch_id)


def report_teams(*, user: Any) -> QuerySet[Team]:
    return Team.objects.filter(branch__in=report_branches(user=user)).select_related("branch")


def _facts(*, staff: StaffMember, chart: Chart, filters: ReportFilters) -> QuerySet[Fact]:
    facts = Fact.objects.filter(chart=chart.slug)
    if staff.role not in ALL_BRANCH_ROLES:
        facts = facts.filter(branch__in=report_branches(user=staff.user))
    if filters.branch is not None:
        facts = facts.filter(branch_id=filters.branch)
    if filters.team is not None:
        facts = facts.filter(team_id=filters.team)
    if filters.product:
        facts = facts.filter(product=filters.product)
    return facts


def latest_day(*, chart: Chart, since: date, until: date) -> date | None:
    """The last day in the range the chart was aggregated for."""
    found: date | None = Run.objects.filter(
        chart=chart.slug, day__gte=since, day__lte=until
    ).aggregate(day=Max("day"))["day"]
    return found


def chart_cells(
    *, user: Any, chart: Chart, filters: ReportFilters
) -> tuple[list[Cell], date | None]:
    """The chart's facts in the reader's scope, summed over the filters: a snapshot chart on the
    latest aggregated day in the range, a flow chart over every day of it."""
    staff = report_reader(user=user)
    facts = _facts(staff=staff, chart=chart, filters=filters)
    as_of = None
    if chart.kind is Kind.SNAPSHOT:
        as_of = latest_day(chart=chart, since=filters.since, until=filters.until)
        if as_of is None:
            return [], None
        facts = facts.filter(day=as_of)
    else:
        facts = facts.filter(day__gte=filters.since, day__lte=filters.until)
    rows = (
        facts.values("key", "key2")
        .annotate(n=Sum("count"), a=Sum("amount"), a2=Sum("amount2"))
        .order_by("key", "key2")
    )
    return [Cell(r["key"], r["key2"], r["n"], r["a"], r["a2"]) for r in rows], as_of


def chart_result(*, user: Any, chart: Chart, filters: ReportFilters) -> ChartResult:
    cells, as_of = chart_cells(user=user, chart=chart, filters=filters)
    return ChartResult(chart=chart, figure=chart.present(cells), as_of=as_of, filters=filters)


def last_run_day() -> date | None:
    """The latest day anything was aggregated for: the default end of the date range."""
    found: date | None = Run.objects.aggregate(day=Max("day"))["day"]
    return found
