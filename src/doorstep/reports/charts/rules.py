"""Compliance decisions by the rules that fired, split by verdict. A decision that fired several
rules counts once under each, so the rows add up to more than the decisions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.compliance.models import Decision
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.verdicts import COLORS, VERDICT_LABELS
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure


def fired_rules(rule_ids: str) -> list[str]:
    """``,CN-HOL-01,CN-TEAM-01,`` → the rule ids (the decision log's storage form)."""
    return [rule for rule in rule_ids.split(",") if rule]


def aggregate(day: date) -> Iterable[FactRow]:
    counts: Counter[tuple[Any, ...]] = Counter()
    rows = Decision.objects.filter(decided_at__date=day).values_list(
        "branch_id", "agent__team_id", "account__product", "verdict", "rule_ids"
    )
    for branch_id, team_id, product, verdict, rule_ids in rows.iterator(chunk_size=5000):
        for rule in fired_rules(rule_ids):
            counts[(branch_id, team_id, product or "", rule, verdict)] += 1
    for (branch_id, team_id, product, rule, verdict), count in counts.items():
        yield FactRow(branch_id, team_id, product, rule, verdict, count=count)


def present(cells: Sequence[Cell]) -> Figure:
    counts = {(cell.key, cell.key2): cell.count for cell in cells}
    totals = Counter[str]()
    for (rule, _verdict), count in counts.items():
        totals[rule] += count
    rules = sorted(totals, key=lambda rule: (-totals[rule], rule))
    verdicts = [v for v in VERDICT_LABELS if any(key2 == v for _r, key2 in counts)]
    return Figure(
        columns=[
            Column(_("Rule")),
            *(Column(str(VERDICT_LABELS[v]), ColumnKind.COUNT) for v in verdicts),
            Column(_("Total"), ColumnKind.COUNT),
        ],
        rows=[
            [rule, *(counts.get((rule, v), 0) for v in verdicts), totals[rule]] for rule in rules
        ],
        option={
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"data": [str(VERDICT_LABELS[v]) for v in verdicts]},
            "grid": {"left": 110},
            "xAxis": {"type": "value", "name": _("Decisions"), "minInterval": 1},
            "yAxis": {"type": "category", "data": rules, "inverse": True},
            "series": [
                {
                    "name": str(VERDICT_LABELS[v]),
                    "type": "bar",
                    "stack": "verdict",
                    "itemStyle": {"color": COLORS.get(v)},
                    "data": [counts.get((rule, v), 0) for rule in rules],
                }
                for v in verdicts
            ],
        },
    )


CHART = Chart(
    slug="rules",
    title=gettext_lazy("Compliance decisions by rule"),
    section=Section.COMPLIANCE,
    kind=Kind.FLOW,
    description=gettext_lazy(
        "How often each rule fired in the date range; a decision counts under every rule it fired."
    ),
    aggregate=aggregate,
    present=present,
    height=420,
)
