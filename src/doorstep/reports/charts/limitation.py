"""Limitation expiries ahead (CN-LIM-01…05): open cases' accounts by how long their limitation
period has left on the day.

Each account's period comes from ``compliance.selectors.case_limitation``, the same computation
the case file shows, so the dashboard never disagrees with the compliance gate. That is a few
queries per case, which is why this chart is only ever read from the nightly pre-aggregate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.cases.models import Case
from doorstep.compliance.selectors import case_limitation
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.common import OPEN, case_product
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure, by_key, rate

EXPIRED = "expired"
NOT_RUNNING = "not_running"
# Upper bounds (days left, inclusive) of the bands, tightest first.
BANDS = (30, 90, 180, 365, 730)
OVER = "over"


def band(days_left: int | None, *, time_barred: bool) -> str:
    if days_left is None:
        return NOT_RUNNING
    if time_barred or days_left < 0:
        return EXPIRED
    for bound in BANDS:
        if days_left <= bound:
            return str(bound)
    return OVER


def band_label(key: str) -> str:
    if key == EXPIRED:
        return _("Expired")
    if key == NOT_RUNNING:
        return _("Not running")
    if key == OVER:
        return _("More than %(days)s days") % {"days": BANDS[-1]}
    index = BANDS.index(int(key))
    low = 0 if index == 0 else BANDS[index - 1] + 1
    return _("%(low)s–%(high)s days") % {"low": low, "high": key}


ORDER = (EXPIRED, *(str(bound) for bound in BANDS), OVER, NOT_RUNNING)


def aggregate(day: date) -> Iterable[FactRow]:
    counts: dict[tuple[int | None, int | None, str, str], int] = {}
    cases = (
        Case.objects.filter(OPEN, opened_on__lte=day)
        .annotate(product=case_product())
        .order_by("pk")
    )
    for case in cases.iterator(chunk_size=2000):
        for found in case_limitation(case, today=day):
            key = band(found.days_left, time_barred=found.time_barred)
            dims = (case.branch_id, case.team_id, case.product or "", key)
            counts[dims] = counts.get(dims, 0) + 1
    for (branch_id, team_id, product, key), count in counts.items():
        yield FactRow(branch_id, team_id, product, key, count=count)


def present(cells: Sequence[Cell]) -> Figure:
    found = by_key(cells)
    total = sum(cell.count for cell in found.values())
    keys = [key for key in ORDER if key in found]
    labels = [band_label(key) for key in keys]
    return Figure(
        columns=[
            Column(_("Limitation period left")),
            Column(_("Accounts"), ColumnKind.COUNT),
            Column(_("Share"), ColumnKind.PERCENT),
        ],
        rows=[
            [label, found[key].count, rate(found[key].count, total)]
            for key, label in zip(keys, labels, strict=True)
        ],
        option={
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "category", "data": labels},
            "yAxis": {"type": "value", "name": _("Accounts"), "minInterval": 1},
            "series": [
                {
                    "name": _("Accounts"),
                    "type": "bar",
                    "data": [found[key].count for key in keys],
                }
            ],
        },
    )


CHART = Chart(
    slug="limitation",
    title=gettext_lazy("Limitation expiries ahead"),
    section=Section.PORTFOLIO,
    kind=Kind.SNAPSHOT,
    description=gettext_lazy(
        "Accounts of open cases by the time their limitation period has left (CN-LIM-01…05)."
    ),
    aggregate=aggregate,
    present=present,
)
