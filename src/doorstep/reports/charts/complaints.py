"""Complaints received, per day (local time), by category and by the root cause found."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.oversight.models import Complaint
from doorstep.oversight.models.complaints import CATEGORY_LABELS, ROOT_CAUSE_LABELS
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.common import case_product
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure


def aggregate(day: date) -> Iterable[FactRow]:
    rows = (
        Complaint.objects.filter(received_at__date=day)
        .annotate(product=case_product("case"))
        .values("branch_id", "agent__team_id", "product", "category", "root_cause")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        yield FactRow(
            row["branch_id"],
            row["agent__team_id"],
            row["product"] or "",
            row["category"],
            row["root_cause"] or "",
            count=row["n"],
        )


def present(cells: Sequence[Cell]) -> Figure:
    categories = {str(k.value): str(v) for k, v in CATEGORY_LABELS.items()}
    causes = {str(k.value): str(v) for k, v in ROOT_CAUSE_LABELS.items()}
    grid: Counter[tuple[str, str]] = Counter()
    per_category: Counter[str] = Counter()
    for cell in cells:
        grid[(cell.key, cell.key2)] += cell.count
        per_category[cell.key] += cell.count
    ordered = sorted(per_category, key=lambda c: (-per_category[c], c))
    found_causes = sorted({cause for _c, cause in grid}, key=lambda c: (c == "", c))
    return Figure(
        columns=[
            Column(_("Category")),
            Column(_("Complaints"), ColumnKind.COUNT),
            *(
                Column(causes.get(cause, _("Not yet found")), ColumnKind.COUNT)
                for cause in found_causes
            ),
        ],
        rows=[
            [
                categories.get(category, category),
                per_category[category],
                *(grid[(category, cause)] for cause in found_causes),
            ]
            for category in ordered
        ],
        option={
            "tooltip": {"trigger": "axis"},
            "legend": {"bottom": 0},
            "xAxis": {"type": "category", "data": [categories.get(c, c) for c in ordered]},
            "yAxis": {"type": "value", "name": _("Complaints"), "minInterval": 1},
            "series": [
                {
                    "name": causes.get(cause, _("Not yet found")),
                    "type": "bar",
                    "stack": "causes",
                    "data": [grid[(category, cause)] for category in ordered],
                }
                for cause in found_causes
            ],
        },
    )


CHART = Chart(
    slug="complaints",
    title=gettext_lazy("Complaints by category and root cause"),
    section=Section.COMPLIANCE,
    kind=Kind.FLOW,
    description=gettext_lazy(
        "Complaints received in the date range, by category, split by the root cause the "
        "investigation found (not yet found while it is open)."
    ),
    aggregate=aggregate,
    present=present,
)
