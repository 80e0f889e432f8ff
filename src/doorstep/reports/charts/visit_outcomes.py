"""Field visits by what became of them, per day they were scheduled for: planned but not yet
done, completed with each outcome, aborted, cancelled."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.common import case_product
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure, rate
from doorstep.visits.lifecycle import Status
from doorstep.visits.models import OUTCOME_LABELS, STATUS_LABELS, Visit

DONE = {Status.COMPLETED.value, Status.REPORTED.value}
FAILED = {Status.ABORTED.value, Status.CANCELLED.value}
GROUPS = ("done", "failed", "open")
GROUP_LABELS = {
    "done": gettext_lazy("Done"),
    "failed": gettext_lazy("Failed"),
    "open": gettext_lazy("Planned, not yet done"),
}
COLORS = {"done": "#3a7d44", "failed": "#b3261e", "open": "#8a8f98"}


def group(status: str) -> str:
    if status in DONE:
        return "done"
    if status in FAILED:
        return "failed"
    return "open"


def aggregate(day: date) -> Iterable[FactRow]:
    rows = (
        Visit.objects.filter(scheduled_on=day)
        .annotate(product=case_product("case"))
        .values("branch_id", "lead_agent__team_id", "product", "status", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        yield FactRow(
            row["branch_id"],
            row["lead_agent__team_id"],
            row["product"] or "",
            row["status"],
            row["outcome"] or "",
            count=row["n"],
        )


def _label(status: str, outcome: str) -> str:
    labels = {str(k.value): v for k, v in STATUS_LABELS.items()}
    outcomes = {str(k.value): v for k, v in OUTCOME_LABELS.items()}
    text = str(labels.get(status, status))
    return f"{text}: {outcomes.get(outcome, outcome)}" if outcome else text


def present(cells: Sequence[Cell]) -> Figure:
    by_group: Counter[str] = Counter()
    by_row: Counter[tuple[str, str]] = Counter()
    for cell in cells:
        by_group[group(cell.key)] += cell.count
        by_row[(cell.key, cell.key2)] += cell.count
    total = sum(by_group.values())
    ordered = sorted(by_row, key=lambda key: (GROUPS.index(group(key[0])), -by_row[key], key))
    names = {g: str(GROUP_LABELS[g]) for g in GROUPS}
    return Figure(
        columns=[
            Column(_("Status and outcome")),
            Column(_("Visits"), ColumnKind.COUNT),
            Column(_("Share"), ColumnKind.PERCENT),
        ],
        rows=[[_label(*key), by_row[key], rate(by_row[key], total)] for key in ordered],
        option={
            "tooltip": {"trigger": "item"},
            "legend": {"bottom": 0},
            "series": [
                {
                    "name": _("Visits"),
                    "type": "pie",
                    "radius": ["40%", "70%"],
                    "data": [
                        {
                            "name": names[g],
                            "value": by_group[g],
                            "itemStyle": {"color": COLORS[g]},
                        }
                        for g in GROUPS
                        if by_group[g]
                    ],
                }
            ],
        },
    )


CHART = Chart(
    slug="visit_outcomes",
    title=gettext_lazy("Field visits by outcome"),
    section=Section.FIELD,
    kind=Kind.FLOW,
    description=gettext_lazy(
        "Visits scheduled in the date range: done (by outcome), failed (aborted or cancelled) "
        "and not yet done."
    ),
    aggregate=aggregate,
    present=present,
)
