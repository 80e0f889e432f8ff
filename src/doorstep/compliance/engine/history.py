"""A debtor's contact history, indexed by local calendar day for the frequency rules.

Built once per debtor (the batch path reuses it for every proposal about that debtor) in the
debtor's time zone, because the rules count per local day: CN-FREQ-01 "per calendar day",
CN-FREQ-02 and US-FREQ-01/02 over runs of days. Each table is built the first time a rule
asks for it, converting only its own contacts to local days, so a run of visits never pays
for the calls and SMS in the history.

A decision looks only at what happened **before** the contact: history at or after its time is
ignored, so re-deciding a synced field record later gives the answer it had when it was made.
Days before the contact's day count whole; only the contact's own day compares instants, by
UTC timestamp (exact even in the hour a DST change repeats), and only when it has contacts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .model import BANK, CALL, VISIT, PastContact

Days = dict[date, list[datetime]]
PerDebt = dict[str | None, Days]


class HistoryIndex:
    """Per local day: bank-initiated call attempts, visits, and per debt the calls US-FREQ-01
    counts and the telephone conversations US-FREQ-02 counts from."""

    __slots__ = ("_calls", "_conversations", "_counted", "_history", "_visits", "zone")

    def __init__(self, history: Iterable[PastContact], zone: ZoneInfo) -> None:
        self.zone = zone
        self._history = tuple(history)
        self._visits: Days | None = None
        self._calls: Days | None = None
        self._counted: PerDebt | None = None
        self._conversations: PerDebt | None = None

    def visits(self) -> Days:
        if self._visits is None:
            self._visits = self._by_day(i for i in self._history if i.channel is VISIT)
        return self._visits

    def bank_calls(self) -> Days:
        """Call attempts the bank made, connected or not (CN-FREQ-01 counts attempts)."""
        if self._calls is None:
            self._calls = self._by_day(
                i for i in self._history if i.channel is CALL and i.initiated_by is BANK
            )
        return self._calls

    def counted_calls(self) -> PerDebt:
        """US-FREQ-03: calls that never connected, or made with consent, are not counted."""
        if self._counted is None:
            self._counted = self._per_debt(
                i
                for i in self._history
                if i.channel is CALL and i.initiated_by is BANK and i.connected and not i.consented
            )
        return self._counted

    def conversations(self) -> PerDebt:
        """Telephone conversations, whoever called (US-FREQ-02)."""
        if self._conversations is None:
            self._conversations = self._per_debt(
                i for i in self._history if i.channel is CALL and i.conversation
            )
        return self._conversations

    def _by_day(self, items: Iterable[PastContact]) -> Days:
        days: Days = {}
        zone = self.zone
        for item in items:
            at = item.at
            day = at.date() if at.tzinfo is zone else at.astimezone(zone).date()
            days.setdefault(day, []).append(at)
        return days

    def _per_debt(self, items: Iterable[PastContact]) -> PerDebt:
        by_debt: dict[str | None, list[PastContact]] = {}
        for item in items:
            by_debt.setdefault(item.debt, []).append(item)
        return {debt: self._by_day(mine) for debt, mine in by_debt.items()}


def count(days: Days, first: date, last: date, before: datetime) -> int:
    """Contacts on the days ``first``..``last`` (inclusive) that happened before ``before``;
    ``last`` is the contact's own day, the only one that can hold later contacts."""
    if not days:
        return 0
    total = 0
    if len(days) <= (last - first).days:  # fewer days with contacts than days to look at
        total = sum(len(found) for day, found in days.items() if first <= day < last)
    else:
        day = first
        while day < last:
            found = days.get(day)
            if found:
                total += len(found)
            day += _ONE_DAY
    found = days.get(last)
    if found:
        stamp = before.timestamp()
        total += sum(1 for at in found if at.timestamp() < stamp)
    return total


def latest_day(days: Days, first: date, last: date, before: datetime) -> date | None:
    """The latest of the days ``first``..``last`` with a contact before ``before``."""
    if first > last:
        return None
    if count(days, last, last, before):
        return last
    earlier = [day for day in days if first <= day < last]
    return max(earlier) if earlier else None


def any_before(days: Days, before: datetime) -> bool:
    stamp = before.timestamp()
    return any(at.timestamp() < stamp for found in days.values() for at in found)


def for_debt(tables: Mapping[str | None, Days], debt: str | None) -> list[Days]:
    """The tables that count against ``debt``: its own and those of contacts with no debt
    given. A contact with no debt given counts everything (the safe reading)."""
    if debt is None:
        return list(tables.values())
    return [tables[key] for key in (None, debt) if key in tables]


_ONE_DAY = timedelta(days=1)
