"""Open cases and their unpaid balance by ageing bucket (M1 … M6+).

A snapshot of the case table as the nightly case sync left it: ``amount`` is the unpaid total
(principal, interest, fees), ``amount2`` what is past due.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.db.models import Count, F, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.cases.delinquency import Bucket
from doorstep.cases.models import BUCKET_LABELS, Case
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.common import OPEN, case_product
from doorstep.reports.figures import (
    Cell,
    Column,
    ColumnKind,
    FactRow,
    Figure,
    by_key,
    rate,
)


def aggregate(day: date) -> Iterable[FactRow]:
    rows = (
        Case.objects.filter(OPEN, opened_on__lte=day)
        .annotate(product=case_product())
        .values("branch_id", "team_id", "product", "bucket")
        .annotate(
            n=Count("id"),
            unpaid=Sum(
                F("outstanding_principal") + F("outstanding_interest") + F("outstanding_penalty")
            ),
            late=Sum("past_due"),
        )
        .order_by()
    )
    for row in rows:
        yield FactRow(
            row["branch_id"],
            row["team_id"],
            row["product"] or "",
            row["bucket"],
            count=row["n"],
            amount=row["unpaid"],
            amount2=row["late"],
        )


def present(cells: Sequence[Cell]) -> Figure:
    found = by_key(cells)
    total = sum((cell.amount for cell in found.values()), start=0)
    labels, counts, balances, rows = [], [], [], []
    for bucket in Bucket:
        cell = found.get(bucket.value)
        if cell is None:
            continue
        label = str(BUCKET_LABELS[bucket])
        labels.append(label)
        counts.append(cell.count)
        balances.append(float(cell.amount))
        rows.append([label, cell.count, cell.amount, cell.amount2, rate(cell.amount, total)])
    return Figure(
        columns=[
            Column(_("Bucket")),
            Column(_("Cases"), ColumnKind.COUNT),
            Column(_("Unpaid total"), ColumnKind.MONEY),
            Column(_("Past due"), ColumnKind.MONEY),
            Column(_("Share of balance"), ColumnKind.PERCENT),
        ],
        rows=rows,
        option={
            "tooltip": {"trigger": "axis"},
            "legend": {"data": [_("Cases"), _("Unpaid total")]},
            "xAxis": {"type": "category", "data": labels},
            "yAxis": [
                {"type": "value", "name": _("Cases"), "minInterval": 1},
                {"type": "value", "name": "¥"},
            ],
            "series": [
                {"name": _("Cases"), "type": "bar", "data": counts},
                {"name": _("Unpaid total"), "type": "line", "yAxisIndex": 1, "data": balances},
            ],
        },
    )


CHART = Chart(
    slug="buckets",
    title=gettext_lazy("Cases and balance by bucket"),
    section=Section.PORTFOLIO,
    kind=Kind.SNAPSHOT,
    description=gettext_lazy("Open cases on the day, by ageing bucket."),
    aggregate=aggregate,
    present=present,
)
