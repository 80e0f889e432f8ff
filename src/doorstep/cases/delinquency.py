"""Days past due, ageing buckets and arrears, computed from what was billed and what was paid.

Pure (no Django): the same code serves the nightly refresh, imports, the demo loader and the
scoring features. DPD is never typed in; it follows from the dues and payments known on a date.

Payments settle dues oldest first (contractual delinquency). So the oldest unpaid due at time t is
the first due whose running total of amounts exceeds everything paid by t; between two events
(a due falling late, a payment, a reversal) it cannot change, so an account's whole bucket history
follows from a look at each event day rather than at every day.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")


class Bucket(StrEnum):
    CURRENT = "current"
    M1 = "M1"
    M2 = "M2"
    M3 = "M3"
    M4 = "M4"
    M5 = "M5"
    M6 = "M6"
    M6_PLUS = "M6+"


# (bucket, lowest DPD in it); each bucket runs up to the next one's lowest DPD minus one.
BUCKET_FLOORS: tuple[tuple[Bucket, int], ...] = (
    (Bucket.CURRENT, 0),
    (Bucket.M1, 1),
    (Bucket.M2, 31),
    (Bucket.M3, 61),
    (Bucket.M4, 91),
    (Bucket.M5, 121),
    (Bucket.M6, 151),
    (Bucket.M6_PLUS, 181),
)
_FLOORS = [floor for _, floor in BUCKET_FLOORS]


def bucket_for(dpd: int) -> Bucket:
    if dpd < 0:
        raise ValueError("days past due cannot be negative")
    return BUCKET_FLOORS[bisect.bisect_right(_FLOORS, dpd) - 1][0]


def dpd_range(bucket: Bucket) -> tuple[int, int | None]:
    """The lowest and highest DPD in ``bucket`` (highest None for the open-ended M6+)."""
    index = [b for b, _ in BUCKET_FLOORS].index(bucket)
    low = BUCKET_FLOORS[index][1]
    high = BUCKET_FLOORS[index + 1][1] - 1 if index + 1 < len(BUCKET_FLOORS) else None
    return low, high


@dataclass(frozen=True)
class Due:
    """One billed due. It is billed on ``billed_on`` and late from the day after ``due_date``."""

    billed_on: date
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest + self.fee


@dataclass(frozen=True)
class Paid:
    """A payment by value date; a reversed payment stops counting on the day it was reversed."""

    paid_on: date
    amount: Decimal
    reversed_on: date | None = None

    def counts_on(self, day: date) -> bool:
        return self.paid_on <= day and (self.reversed_on is None or self.reversed_on > day)


@dataclass(frozen=True)
class Arrears:
    as_of: date
    dpd: int
    bucket: Bucket
    oldest_unpaid_due: date | None
    past_due: Decimal
    unpaid_principal: Decimal
    unpaid_interest: Decimal
    unpaid_fee: Decimal
    credit: Decimal

    @property
    def unpaid_total(self) -> Decimal:
        return self.unpaid_principal + self.unpaid_interest + self.unpaid_fee


# Within one due, a payment settles fees and penalties first, then interest, then principal.
DEFAULT_ALLOCATION = ("fee", "interest", "principal")


def arrears(
    dues: Iterable[Due],
    payments: Iterable[Paid],
    as_of: date,
    *,
    tolerance: Decimal = ZERO,
    allocation: Sequence[str] = DEFAULT_ALLOCATION,
) -> Arrears:
    """The arrears at the end of ``as_of``: only dues billed and payments counting by then.

    A past-due amount at or below ``tolerance`` (the bank's small-balance threshold) is not
    delinquency.
    """
    billed = sorted((d for d in dues if d.billed_on <= as_of), key=lambda d: d.due_date)
    paid = sum((p.amount for p in payments if p.counts_on(as_of)), ZERO)

    remaining = paid
    unpaid = {"principal": ZERO, "interest": ZERO, "fee": ZERO}
    oldest: date | None = None
    past_due = ZERO
    for due in billed:
        parts = {"principal": due.principal, "interest": due.interest, "fee": due.fee}
        for part in allocation:
            settled = min(parts[part], remaining)
            parts[part] -= settled
            remaining -= settled
        left = sum(parts.values(), ZERO)
        for part, value in parts.items():
            unpaid[part] += value
        if due.due_date < as_of and left > 0:
            past_due += left
            if oldest is None:
                oldest = due.due_date

    if past_due <= tolerance:
        oldest = None
    dpd = (as_of - oldest).days if oldest is not None else 0
    return Arrears(
        as_of=as_of,
        dpd=dpd,
        bucket=bucket_for(dpd),
        oldest_unpaid_due=oldest,
        past_due=past_due,
        unpaid_principal=unpaid["principal"],
        unpaid_interest=unpaid["interest"],
        unpaid_fee=unpaid["fee"],
        credit=remaining,
    )


class Cause(StrEnum):
    MISSED_DUE = "missed_due"
    AGEING = "ageing"
    PAYMENT = "payment"
    REVERSAL = "reversal"


@dataclass(frozen=True)
class BucketMove:
    """The bucket changed on ``on``: why, and the due or payment that made it change."""

    on: date
    from_bucket: Bucket
    to_bucket: Bucket
    dpd: int
    cause: Cause
    cause_date: date
    cause_amount: Decimal | None


@dataclass(frozen=True)
class History:
    """What one account was billed and paid; a case may cover several accounts."""

    dues: Sequence[Due]
    payments: Sequence[Paid]


def combined(parts: Sequence[Arrears], as_of: date) -> Arrears:
    """A customer's arrears over several accounts: the worst DPD, the summed amounts."""
    oldest = min((a.oldest_unpaid_due for a in parts if a.oldest_unpaid_due), default=None)
    dpd = max((a.dpd for a in parts), default=0)
    return Arrears(
        as_of=as_of,
        dpd=dpd,
        bucket=bucket_for(dpd),
        oldest_unpaid_due=oldest,
        past_due=sum((a.past_due for a in parts), ZERO),
        unpaid_principal=sum((a.unpaid_principal for a in parts), ZERO),
        unpaid_interest=sum((a.unpaid_interest for a in parts), ZERO),
        unpaid_fee=sum((a.unpaid_fee for a in parts), ZERO),
        credit=sum((a.credit for a in parts), ZERO),
    )


class _Sweep:
    """Oldest-unpaid-due lookups for one account against running totals of its dues."""

    def __init__(self, history: History, tolerance: Decimal):
        self.dues = sorted(history.dues, key=lambda d: d.due_date)
        self.due_dates = [d.due_date for d in self.dues]
        self.running = list(itertools.accumulate(d.amount for d in self.dues))
        self.payments = history.payments
        self.tolerance = tolerance

    def paid_by(self, day: date) -> Decimal:
        return sum((p.amount for p in self.payments if p.counts_on(day)), ZERO)

    def oldest_unpaid(self, day: date) -> date | None:
        """The due date of the oldest unpaid past-due due at the end of ``day``."""
        paid = self.paid_by(day)
        first_unpaid = bisect.bisect_right(self.running, paid)
        past = bisect.bisect_left(self.due_dates, day)  # dues with due_date < day
        if first_unpaid >= past:
            return None
        past_due_amount = self.running[past - 1] - paid
        if past_due_amount <= self.tolerance:
            return None
        return self.dues[first_unpaid].due_date


def _oldest_unpaid(sweeps: Sequence[_Sweep], day: date) -> date | None:
    return min((d for s in sweeps if (d := s.oldest_unpaid(day)) is not None), default=None)


def bucket_moves(
    histories: Sequence[History],
    start: date,
    end: date,
    *,
    tolerance: Decimal = ZERO,
) -> list[BucketMove]:
    """Every bucket change in (start, end], compared with the bucket at the end of ``start``.

    A case's DPD is its worst account's, so its oldest unpaid due is the earliest of its
    accounts'. Between two event days (a due falling late, a payment, a reversal) that date is
    fixed, DPD grows by one a day, and the ageing moves fall on days computed directly.
    """
    sweeps = [_Sweep(h, tolerance) for h in histories]
    event_days: set[date] = set()
    for sweep in sweeps:
        event_days.update(d + timedelta(days=1) for d in sweep.due_dates)
        for payment in sweep.payments:
            event_days.add(payment.paid_on)
            if payment.reversed_on is not None:
                event_days.add(payment.reversed_on)
    days = sorted(d for d in event_days if start < d <= end)

    moves: list[BucketMove] = []
    oldest = _oldest_unpaid(sweeps, start)
    current = bucket_for((start - oldest).days if oldest else 0)
    segment_starts = [start, *days]
    segment_ends = [*days, end + timedelta(days=1)]
    for index, (seg_start, seg_end) in enumerate(zip(segment_starts, segment_ends, strict=True)):
        if index > 0:
            oldest = _oldest_unpaid(sweeps, seg_start)
            dpd = (seg_start - oldest).days if oldest else 0
            new = bucket_for(dpd)
            if new != current:
                moves.append(_event_move(seg_start, current, new, dpd, sweeps))
                current = new
        if oldest is None:
            continue
        for bucket, floor in BUCKET_FLOORS[1:]:
            day = oldest + timedelta(days=floor)
            if seg_start < day < seg_end and bucket != current:
                moves.append(BucketMove(day, current, bucket, floor, Cause.AGEING, oldest, None))
                current = bucket
    return moves


def _event_move(
    day: date, old: Bucket, new: Bucket, dpd: int, sweeps: Sequence[_Sweep]
) -> BucketMove:
    worse = _rank(new) > _rank(old)
    payments = [p for s in sweeps for p in s.payments]
    reversed_today = [p for p in payments if p.reversed_on == day]
    if worse and reversed_today:
        amount = sum((p.amount for p in reversed_today), ZERO)
        return BucketMove(day, old, new, dpd, Cause.REVERSAL, day, amount)
    if worse:
        missed = [d for s in sweeps for d in s.dues if d.due_date + timedelta(days=1) == day]
        if missed:
            amount = sum((d.amount for d in missed), ZERO)
            return BucketMove(day, old, new, dpd, Cause.MISSED_DUE, missed[0].due_date, amount)
        return BucketMove(day, old, new, dpd, Cause.AGEING, day, None)
    amount = sum((p.amount for p in payments if p.paid_on == day), ZERO)
    return BucketMove(day, old, new, dpd, Cause.PAYMENT, day, amount)


def _rank(bucket: Bucket) -> int:
    return [b for b, _ in BUCKET_FLOORS].index(bucket)
