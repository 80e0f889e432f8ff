"""Roll rates month over month: where the cases of each bucket at the end of last month stand
on the day (on a month's last day, the whole month's roll).

Buckets come from the case's bucket history (``cases.BucketChange``): the bucket on a date is
the last change on or before it, so any past day can be aggregated again. Cases opened during
the month have no bucket at its start and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.cases.delinquency import Bucket
from doorstep.cases.models import BUCKET_LABELS, Case
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.common import bucket_on, case_product
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure, percent_points, rate


def month_start_eve(day: date) -> date:
    """The last day of the month before ``day``'s."""
    return day.replace(day=1) - timedelta(days=1)


def aggregate(day: date) -> Iterable[FactRow]:
    rows = (
        Case.objects.filter(opened_on__lte=month_start_eve(day))
        .annotate(start=bucket_on(month_start_eve(day)), end=bucket_on(day), product=case_product())
        .filter(start__isnull=False)
        .values("branch_id", "team_id", "product", "start", "end")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        yield FactRow(
            row["branch_id"],
            row["team_id"],
            row["product"] or "",
            row["start"],
            row["end"],
            count=row["n"],
        )


def present(cells: Sequence[Cell]) -> Figure:
    counts = {(cell.key, cell.key2): cell.count for cell in cells}
    buckets = [bucket.value for bucket in Bucket]
    labels = [str(BUCKET_LABELS[bucket]) for bucket in Bucket]
    rows, points = [], []
    for y, start in enumerate(buckets):
        total = sum(counts.get((start, end), 0) for end in buckets)
        if not total:
            continue
        shares = [rate(counts.get((start, end), 0), total) for end in buckets]
        rows.append([labels[y], total, *shares])
        points += [
            [x, y, percent_points(share)] for x, share in enumerate(shares) if share is not None
        ]
    return Figure(
        columns=[
            Column(_("From (end of last month)")),
            Column(_("Cases"), ColumnKind.COUNT),
            *(
                Column(_("to %(bucket)s") % {"bucket": label}, ColumnKind.PERCENT)
                for label in labels
            ),
        ],
        rows=rows,
        option={
            "tooltip": {"position": "top"},
            "grid": {"left": 80, "bottom": 60},
            "xAxis": {"type": "category", "data": labels, "name": _("to")},
            "yAxis": {"type": "category", "data": labels, "name": _("from"), "inverse": True},
            "visualMap": {
                "min": 0,
                "max": 100,
                "calculable": True,
                "orient": "horizontal",
                "left": "center",
                "bottom": 0,
            },
            "series": [
                {
                    "name": _("Roll rate (%)"),
                    "type": "heatmap",
                    "data": points,
                    "label": {"show": True, "formatter": "{@[2]}%"},
                }
            ],
        },
    )


CHART = Chart(
    slug="roll_rates",
    title=gettext_lazy("Roll-rate matrix, month over month"),
    section=Section.PORTFOLIO,
    kind=Kind.SNAPSHOT,
    description=gettext_lazy(
        "Each row: the cases in that bucket at the end of last month, and the share of them in "
        "each bucket on the day."
    ),
    aggregate=aggregate,
    present=present,
    height=420,
)
