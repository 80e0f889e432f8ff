"""Kilometres the published visit plans send the teams, per day: the cost side of field work,
next to the visits they buy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.planning.models import Plan
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure

KM = Decimal(1000)
CENTS = Decimal("0.01")


def aggregate(day: date) -> Iterable[FactRow]:
    """One row per branch: teams sent out (count), kilometres (amount), visits planned
    (amount2, a count kept as a number). A re-planned day counts its plan in force."""
    plans = (
        Plan.objects.filter(day=day, status=Plan.Status.PUBLISHED)
        .annotate(visits=Count("stops", filter=Q(stops__visit__isnull=False)))
        .values_list("branch_id", "teams", "metres", "visits")
    )
    for branch_id, teams, metres, visits in plans:
        yield FactRow(
            branch_id,
            None,
            "",
            day.isoformat(),
            count=len(teams),
            amount=(Decimal(metres) / KM).quantize(CENTS),
            amount2=Decimal(visits),
        )


def present(cells: Sequence[Cell]) -> Figure:
    days: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for cell in cells:
        found = days[cell.key]
        found[0] += cell.count
        found[1] += cell.amount
        found[2] += cell.amount2
    ordered = sorted(days)
    rows: list[list[object]] = []
    for day in ordered:
        teams, km, visits = days[day]
        rows.append(
            [
                day,
                int(teams),
                km,
                int(visits),
                (km / teams).quantize(CENTS) if teams else None,
                (km / visits).quantize(CENTS) if visits else None,
            ]
        )
    return Figure(
        columns=[
            Column(_("Day")),
            Column(_("Teams"), ColumnKind.COUNT),
            Column(_("Kilometres"), ColumnKind.MONEY),
            Column(_("Visits planned"), ColumnKind.COUNT),
            Column(_("Kilometres per team"), ColumnKind.MONEY),
            Column(_("Kilometres per visit"), ColumnKind.MONEY),
        ],
        rows=rows,
        option={
            "tooltip": {"trigger": "axis"},
            "legend": {"bottom": 0},
            "xAxis": {"type": "category", "data": ordered},
            "yAxis": [
                {"type": "value", "name": _("Kilometres")},
                {"type": "value", "name": _("Visits planned"), "minInterval": 1},
            ],
            "series": [
                {
                    "name": _("Kilometres"),
                    "type": "bar",
                    "data": [float(days[d][1]) for d in ordered],
                },
                {
                    "name": _("Visits planned"),
                    "type": "line",
                    "yAxisIndex": 1,
                    "data": [int(days[d][2]) for d in ordered],
                },
            ],
        },
    )


CHART = Chart(
    slug="route_km",
    title=gettext_lazy("Route kilometres"),
    section=Section.FIELD,
    kind=Kind.FLOW,
    description=gettext_lazy(
        "The published visit plans of each day: teams sent out, kilometres driven and visits "
        "planned. Plans are per branch, so the team filter does not narrow this chart."
    ),
    aggregate=aggregate,
    present=present,
)
