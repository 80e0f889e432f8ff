"""Calendar quarters as regulators name them (``2026Q3``): parsing and their first and last day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

PATTERN = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


class BadQuarter(ValueError):
    """Raised with a message naming what is wrong with the text."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        found = PATTERN.match(text or "")
        if found is None:
            raise BadQuarter(f"{text!r} is not a quarter; write it as 2026Q3")
        year = int(found.group(1))
        if not 2000 <= year <= 2100:
            raise BadQuarter(f"{year} is outside the years this report covers (2000-2100)")
        return cls(year, int(found.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        following = self.next()
        return following.first_day - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"
