"""What a chart is made of once aggregated: plain data, no Django, so the shapes and the rate
arithmetic are tested without a database and reused by the page, the API and the Excel export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FactRow:
    """One cell a chart's aggregation produces for a day, before it is stored."""

    branch_id: int | None
    team_id: int | None
    product: str
    key: str
    key2: str = ""
    count: int = 0
    amount: Decimal = ZERO
    amount2: Decimal = ZERO


@dataclass(frozen=True)
class Cell:
    """Facts summed over the filters: what a chart's presentation reads."""

    key: str
    key2: str
    count: int
    amount: Decimal
    amount2: Decimal


class ColumnKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    MONEY = "money"
    PERCENT = "percent"


@dataclass(frozen=True)
class Column:
    label: str
    kind: ColumnKind = ColumnKind.TEXT


@dataclass(frozen=True)
class Figure:
    """A chart's table (what the Excel export writes) and its ECharts option (JSON-ready)."""

    columns: list[Column]
    rows: list[list[Any]]
    option: dict[str, Any] = field(default_factory=dict)


def rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole`` to four places (a share, shown as a percentage); None when ``whole`` is
    zero, so an empty group shows a dash rather than a made-up 0 %."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def percent_points(value: Decimal | None) -> float | None:
    """A share as the percentage ECharts plots (0.1234 → 12.34)."""
    return None if value is None else float(value * 100)


def by_key(cells: Sequence[Cell]) -> dict[str, Cell]:
    """Cells summed over ``key2``, by ``key``."""
    merged: dict[str, Cell] = {}
    for cell in cells:
        seen = merged.get(cell.key, Cell(cell.key, "", 0, ZERO, ZERO))
        merged[cell.key] = Cell(
            cell.key,
            "",
            seen.count + cell.count,
            seen.amount + cell.amount,
            seen.amount2 + cell.amount2,
        )
    return merged
