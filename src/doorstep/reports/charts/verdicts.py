"""Compliance decisions by verdict, per day the gate decided (local time)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.compliance.models import VERDICT_CHOICES, Decision
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure, by_key, rate

VERDICT_LABELS = dict(VERDICT_CHOICES)
COLORS = {"allow": "#3a7d44", "warn": "#d4a017", "needs_approval": "#e07b24", "block": "#b3261e"}


def aggregate(day: date) -> Iterable[FactRow]:
    rows = (
        Decision.objects.filter(decided_at__date=day)
        .values("branch_id", "agent__team_id", "account__product", "verdict")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        yield FactRow(
            row["branch_id"],
            row["agent__team_id"],
            row["account__product"] or "",
            row["verdict"],
            count=row["n"],
        )


def present(cells: Sequence[Cell]) -> Figure:
    found = by_key(cells)
    total = sum(cell.count for cell in found.values())
    verdicts = [verdict for verdict in VERDICT_LABELS if verdict in found]
    return Figure(
        columns=[
            Column(_("Verdict")),
            Column(_("Decisions"), ColumnKind.COUNT),
            Column(_("Share"), ColumnKind.PERCENT),
        ],
        rows=[
            [str(VERDICT_LABELS[v]), found[v].count, rate(found[v].count, total)] for v in verdicts
        ],
        option={
            "tooltip": {"trigger": "item"},
            "legend": {"bottom": 0},
            "series": [
                {
                    "name": _("Decisions"),
                    "type": "pie",
                    "radius": ["40%", "70%"],
                    "data": [
                        {
                            "name": str(VERDICT_LABELS[v]),
                            "value": found[v].count,
                            "itemStyle": {"color": COLORS.get(v)},
                        }
                        for v in verdicts
                    ],
                }
            ],
        },
    )


CHART = Chart(
    slug="verdicts",
    title=gettext_lazy("Compliance decisions by verdict"),
    section=Section.COMPLIANCE,
    kind=Kind.FLOW,
    description=gettext_lazy("Every decision of the gate in the date range, by its verdict."),
    aggregate=aggregate,
    present=present,
)
