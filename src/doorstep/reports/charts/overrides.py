"""Overrides: decisions the gate stopped (block, needs approval) that an approval overrode, per
day the approval was decided, with the rules they overrode."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.compliance.models import Decision
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.rules import fired_rules
from doorstep.reports.charts.verdicts import VERDICT_LABELS
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure

# key2 of the one row per overridden decision; the others carry a rule each.
DECISION = "decision"


def aggregate(day: date) -> Iterable[FactRow]:
    counts: Counter[tuple[Any, ...]] = Counter()
    rows = Decision.objects.filter(overridden_by__decided_at__date=day).values_list(
        "branch_id", "agent__team_id", "account__product", "verdict", "rule_ids"
    )
    for branch_id, team_id, product, verdict, rule_ids in rows.iterator(chunk_size=5000):
        dims = (branch_id, team_id, product or "")
        counts[(*dims, verdict, DECISION)] += 1
        for rule in fired_rules(rule_ids):
            counts[(*dims, rule, "")] += 1
    for (branch_id, team_id, product, key, key2), count in counts.items():
        yield FactRow(branch_id, team_id, product, key, key2, count=count)


def present(cells: Sequence[Cell]) -> Figure:
    by_verdict = Counter[str]()
    by_rule = Counter[str]()
    for cell in cells:
        (by_verdict if cell.key2 == DECISION else by_rule)[cell.key] += cell.count
    rules = sorted(by_rule, key=lambda rule: (-by_rule[rule], rule))
    rows: list[list[object]] = [
        [_("Overridden: %(verdict)s") % {"verdict": VERDICT_LABELS[v]}, by_verdict[v]]
        for v in VERDICT_LABELS
        if by_verdict[v]
    ]
    rows += [[rule, by_rule[rule]] for rule in rules]
    return Figure(
        columns=[Column(_("Verdict or rule overridden")), Column(_("Overrides"), ColumnKind.COUNT)],
        rows=rows,
        option={
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "category", "data": rules},
            "yAxis": {"type": "value", "name": _("Overrides"), "minInterval": 1},
            "series": [
                {"name": _("Overrides"), "type": "bar", "data": [by_rule[r] for r in rules]}
            ],
        },
    )


CHART = Chart(
    slug="overrides",
    title=gettext_lazy("Overrides"),
    section=Section.COMPLIANCE,
    kind=Kind.FLOW,
    description=gettext_lazy(
        "Stopped decisions an approval overrode in the date range, by verdict and by rule."
    ),
    aggregate=aggregate,
    present=present,
)
