"""The rules that choose which cases go into a placement batch: plain data, kept with the batch.

A batch is chosen by bucket, amount past due, days past due and branch, up to a number of
cases, oldest arrears first; the rules are stored with the batch so anyone can see why a case
was placed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from doorstep.cases.selectors import CaseFilters

MAX_BATCH = 5000


@dataclass(frozen=True)
class PlacementRules:
    buckets: tuple[str, ...] = ()
    branch: int | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_dpd: int | None = None
    max_dpd: int | None = None
    limit: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} cases")

    def filters(self) -> CaseFilters:
        return CaseFilters(
            buckets=self.buckets,
            branch=self.branch,
            min_amount=self.min_amount,
            max_amount=self.max_amount,
            min_dpd=self.min_dpd,
            max_dpd=self.max_dpd,
            sort="-dpd",
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "buckets": list(self.buckets),
            "branch": self.branch,
            "min_amount": None if self.min_amount is None else str(self.min_amount),
            "max_amount": None if self.max_amount is None else str(self.max_amount),
            "min_dpd": self.min_dpd,
            "max_dpd": self.max_dpd,
            "limit": self.limit,
        }
