"""Commission and performance arithmetic for agencies. Pure: plain data in, Decimal out.

Commission is a per-cent share of each recovery, at the rate of the bucket the case was placed
in, under the schedule in force on the payment's value date. Amounts are rounded half-up to the
fen per payment, so a statement line and its total agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Schedule:
    effective_from: date
    rates: Mapping[str, Decimal]  # bucket → per cent


@dataclass(frozen=True)
class Recovery:
    paid_on: date
    amount: Decimal
    bucket: str  # the bucket the case was placed in


def schedule_on(schedules: Sequence[Schedule], day: date) -> Schedule | None:
    """The schedule in force on ``day``: the latest that started on or before it."""
    started = [s for s in schedules if s.effective_from <= day]
    return max(started, key=lambda s: s.effective_from) if started else None


def commission_for(recovery: Recovery, schedules: Sequence[Schedule]) -> Decimal:
    schedule = schedule_on(schedules, recovery.paid_on)
    if schedule is None:
        return ZERO
    rate = schedule.rates.get(recovery.bucket, Decimal("0"))
    return (recovery.amount * rate / HUNDRED).quantize(FEN, rounding=ROUND_HALF_UP)


def commission_total(recoveries: Iterable[Recovery], schedules: Sequence[Schedule]) -> Decimal:
    return sum((commission_for(r, schedules) for r in recoveries), ZERO)


def rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole`` as a per-cent with one decimal, or None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
