"""The dashboard registry: every chart is one module of this package exposing ``CHART``.

A chart says how to aggregate one day from the source tables into fact rows (run nightly by
``services.reports_aggregate``) and how to present the summed cells as a table and an ECharts
option. Adding a chart is one module here
and one line in ``MODULES``; no migration, view or template changes (a new section also needs
its title in ``views.SECTION_TITLES``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from importlib import import_module
from typing import Any

from doorstep.reports.figures import Cell, FactRow, Figure


class Section(StrEnum):
    PORTFOLIO = "portfolio"
    FIELD = "field"
    COMPLIANCE = "compliance"


class Kind(StrEnum):
    # The state on one day: the page shows the latest aggregated day in the date range.
    SNAPSHOT = "snapshot"
    # Events of each day: the page sums every day in the date range.
    FLOW = "flow"


@dataclass(frozen=True)
class Chart:
    slug: str
    title: Any  # a lazy translation
    section: Section
    kind: Kind
    description: Any
    aggregate: Callable[[date], Iterable[FactRow]]
    present: Callable[[Sequence[Cell]], Figure]
    height: int = 360


MODULES = (
    "buckets",
    "roll_rates",
    "vintages",
    "limitation",
    "verdicts",
    "rules",
    "overrides",
    "complaints",
    "training_due",
    "visit_outcomes",
    "visit_recovery",
    "promises_kept",
    "route_km",
)

CHARTS: dict[str, Chart] = {}
for _name in MODULES:
    _chart: Chart = import_module(f"{__name__}.{_name}").CHART
    CHARTS[_chart.slug] = _chart


def charts_in(section: Section) -> list[Chart]:
    return [chart for chart in CHARTS.values() if chart.section is section]
