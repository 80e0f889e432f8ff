"""Promises to pay that fell due, per due day, by how they were kept and by the channel that
took them: the field visit's promise next to the phone's and the assistant's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.plans.lifecycle import PromiseStatus
from doorstep.plans.models import PROMISE_STATUS_LABELS, Promise
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.common import case_product
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure, rate

JUDGED = (PromiseStatus.KEPT, PromiseStatus.PARTLY_KEPT, PromiseStatus.BROKEN)
COLORS = {"kept": "#3a7d44", "partly_kept": "#d4a017", "broken": "#b3261e"}


def aggregate(day: date) -> Iterable[FactRow]:
    """Promises due on ``day`` that the nightly run has judged (open ones are not yet due or
    not yet judged, so they are left out rather than counted as broken)."""
    rows = (
        Promise.objects.filter(due_on=day, status__in=[s.value for s in JUDGED])
        .annotate(product=case_product("case"))
        .values("case__branch_id", "case__agent__team_id", "product", "channel", "status")
        .annotate(n=Count("id"), promised=Sum("amount"), paid=Sum("paid"))
        .order_by()
    )
    for row in rows:
        yield FactRow(
            row["case__branch_id"],
            row["case__agent__team_id"],
            row["product"] or "",
            row["channel"],
            row["status"],
            count=row["n"],
            amount=row["promised"],
            amount2=row["paid"],
        )


def present(cells: Sequence[Cell]) -> Figure:
    labels = {value: str(label) for value, label in Promise.Channel.choices}
    table: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for cell in cells:
        found = table[cell.key]
        found[cell.key2] += cell.count
        found["promised"] += cell.amount
        found["paid"] += cell.amount2
    channels = sorted(table, key=lambda c: list(labels).index(c) if c in labels else 99)
    rows: list[list[object]] = []
    for channel in channels:
        found = table[channel]
        judged = sum(int(found[s.value]) for s in JUDGED)
        rows.append(
            [
                labels.get(channel, channel),
                judged,
                int(found[PromiseStatus.KEPT.value]),
                int(found[PromiseStatus.PARTLY_KEPT.value]),
                int(found[PromiseStatus.BROKEN.value]),
                rate(int(found[PromiseStatus.KEPT.value]), judged),
                found["promised"],
                found["paid"],
            ]
        )
    return Figure(
        columns=[
            Column(_("Channel")),
            Column(_("Promises due"), ColumnKind.COUNT),
            Column(str(PROMISE_STATUS_LABELS[PromiseStatus.KEPT]), ColumnKind.COUNT),
            Column(str(PROMISE_STATUS_LABELS[PromiseStatus.PARTLY_KEPT]), ColumnKind.COUNT),
            Column(str(PROMISE_STATUS_LABELS[PromiseStatus.BROKEN]), ColumnKind.COUNT),
            Column(_("Kept rate"), ColumnKind.PERCENT),
            Column(_("Promised"), ColumnKind.MONEY),
            Column(_("Paid towards them"), ColumnKind.MONEY),
        ],
        rows=rows,
        option={
            "tooltip": {"trigger": "axis"},
            "legend": {"bottom": 0},
            "xAxis": {"type": "category", "data": [labels.get(c, c) for c in channels]},
            "yAxis": {"type": "value", "name": _("Promises due"), "minInterval": 1},
            "series": [
                {
                    "name": str(PROMISE_STATUS_LABELS[status]),
                    "type": "bar",
                    "stack": "promises",
                    "itemStyle": {"color": COLORS[status.value]},
                    "data": [int(table[c][status.value]) for c in channels],
                }
                for status in JUDGED
            ],
        },
    )


CHART = Chart(
    slug="promises_kept",
    title=gettext_lazy("Promises kept"),
    section=Section.FIELD,
    kind=Kind.FLOW,
    description=gettext_lazy(
        "Promises to pay that fell due in the date range, judged kept, partly kept or broken, "
        "by the channel that took them."
    ),
    aggregate=aggregate,
    present=present,
)
