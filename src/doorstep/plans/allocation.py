"""Which obligation and which part of it each payment settles: the allocation waterfall.

Pure (no Django). The state is never patched in place: it is a function of the obligations and
the payments that count, replayed in value-date order. So a backdated payment lands where its
value date puts it, and a reversal (drop the payment, replay) restores exactly the state before
the payment arrived.

Rule: payments in value-date order (then by their order of arrival) settle obligations oldest
due first; within one obligation the parts go in the policy's order (default fees → penalties →
interest → principal). What is left after every obligation is paid is unapplied credit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")
PARTS = ("fee", "penalty", "interest", "principal")
DEFAULT_ORDER = PARTS


def check_order(order: Sequence[str]) -> tuple[str, ...]:
    """An allocation order names each of the four parts exactly once."""
    if sorted(order) != sorted(PARTS):
        raise ValueError(
            "the allocation order names fee, penalty, interest and principal once each"
        )
    return tuple(order)


@dataclass(frozen=True)
class Obligation:
    """Something due: a plan instalment or a promise, with its parts by name."""

    key: str
    due_date: date
    parts: Mapping[str, Decimal]

    @property
    def amount(self) -> Decimal:
        return sum(self.parts.values(), ZERO)


@dataclass(frozen=True)
class Receipt:
    """A payment that counts: ``key`` is its transaction id."""

    key: str
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class Applied:
    payment: str
    obligation: str
    part: str
    amount: Decimal
    paid_on: date


@dataclass(frozen=True)
class Allocation:
    applied: tuple[Applied, ...]
    remaining: Mapping[str, Mapping[str, Decimal]]  # obligation → part → still owed
    settled_on: Mapping[str, date | None]  # obligation → value date it was fully paid
    credit: Decimal  # paid beyond every obligation

    def paid(self, obligation: str) -> Decimal:
        return sum((a.amount for a in self.applied if a.obligation == obligation), ZERO)

    def owed(self, obligation: str) -> Decimal:
        return sum(self.remaining[obligation].values(), ZERO)


def allocate(
    obligations: Iterable[Obligation],
    receipts: Iterable[Receipt],
    order: Sequence[str] = DEFAULT_ORDER,
) -> Allocation:
    """Replay ``receipts`` over ``obligations`` (see the module docstring)."""
    order = check_order(order)
    ordered = sorted(obligations, key=lambda o: (o.due_date, o.key))
    remaining = {o.key: {part: o.parts.get(part, ZERO) for part in order} for o in ordered}
    settled: dict[str, date | None] = {
        o.key: (o.due_date if o.amount == 0 else None) for o in ordered
    }
    applied: list[Applied] = []
    credit = ZERO
    first_open = 0  # obligations before it are paid in full: the waterfall fills a prefix
    indexed = list(enumerate(receipts))
    for _, receipt in sorted(indexed, key=lambda item: (item[1].paid_on, item[0])):
        if receipt.amount <= 0:
            raise ValueError("a payment is more than zero")
        left = receipt.amount
        k = first_open
        while left > 0 and k < len(ordered):
            obligation = ordered[k]
            owed = remaining[obligation.key]
            for part in order:
                take = min(owed[part], left)
                if take > 0:
                    owed[part] -= take
                    left -= take
                    applied.append(
                        Applied(receipt.key, obligation.key, part, take, receipt.paid_on)
                    )
            if not any(owed.values()):
                if settled[obligation.key] is None:
                    settled[obligation.key] = receipt.paid_on
                if k == first_open:
                    first_open += 1
            k += 1
        credit += left
    return Allocation(tuple(applied), remaining, settled, credit)


def days_past_due(allocation: Allocation, obligations: Iterable[Obligation], as_of: date) -> int:
    """Days the oldest obligation unpaid at the end of ``as_of`` is late (0 if none is).

    ``allocation`` must be replayed from the receipts counting on ``as_of``: a payment with a
    later value date did not exist yet, which is how backdated payments move DPD history.
    """
    late = [o.due_date for o in obligations if o.due_date < as_of and allocation.owed(o.key) > 0]
    return (as_of - min(late)).days if late else 0
