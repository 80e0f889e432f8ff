"""What a rule is, what it looks at, and the rule shapes several profiles share.

A rule is one small function with its id, the parameters it reads and its citation. It looks at
a ``Situation`` (the contact, the debtor, the contact's local time and day kind, the indexed
history) and returns a ``Hit`` (its verdict and what it saw) or None. The same functions serve
``decide`` and the batch path, so a rule is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Generic, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from .calendar import Calendar, DayKind
from .history import HistoryIndex
from .model import BLOCK, Channel, Citation, Contact, Debtor, Hold, Verdict

P = TypeVar("P")


@dataclass(slots=True)
class Situation:
    """A proposed contact with what the rules derive from it once: its local time and day in
    the debtor's zone, that day's kind, whether the bank started it, the indexed history."""

    contact: Contact
    debtor: Debtor
    local: datetime
    day: date
    clock: time  # the local time of day
    kind: DayKind
    by_bank: bool
    history: HistoryIndex
    calendar: Calendar


class Hit(NamedTuple):
    """A rule fired: its verdict, and what it saw as a function, so the batch path (which
    keeps only rule ids) never pays for formatting facts. (A named tuple: one is made per
    firing, and a frozen dataclass costs several times more to build.)"""

    verdict: Verdict
    facts: Callable[[], Mapping[str, object]]


Check = Callable[[Situation, P], Hit | None]


@dataclass(frozen=True, slots=True)
class Rule(Generic[P]):
    id: str
    citation: Citation
    params: tuple[str, ...]
    check: Check[P]


@dataclass(frozen=True, slots=True)
class Profile(Generic[P]):
    """A set of rules with its parameter type and the zone used when the debtor's is unknown."""

    code: str
    home_timezone: str
    params_type: type[P]
    rules: tuple[Rule[P], ...]


ALL_CHANNELS = frozenset(Channel)
NOT_LETTERS = ALL_CHANNELS - {Channel.LETTER}


def time_window(*, param: str, channels: frozenset[Channel], consent_exempts: bool) -> Check[Any]:
    """Bank-initiated contact on ``channels`` only inside the window named ``param``, in the
    debtor's local time and in every other zone the bank's information points to."""

    def check(sit: Situation, params: Any) -> Hit | None:
        contact = sit.contact
        if (
            not sit.by_bank
            or contact.channel not in channels
            or (consent_exempts and contact.consented)
        ):
            return None
        window = getattr(params, param)
        if sit.clock not in window:
            return _outside(sit.local)
        for zone in sit.debtor.other_timezones:
            local = contact.at.astimezone(ZoneInfo(zone))
            if local.time() not in window:
                return _outside(local)
        return None

    return check


def _outside(local: datetime) -> Hit:
    return Hit(
        BLOCK,
        lambda: {
            "date": str(local.date()),
            "local_time": f"{local:%H:%M}",
            "timezone": str(local.tzinfo),
            "reason": "outside_window",
        },
    )


def stated_times(*, channels: frozenset[Channel]) -> Check[Any]:
    """No bank-initiated contact at a time the debtor said is inconvenient (unless they
    consented to this one)."""

    def check(sit: Situation, params: Any) -> Hit | None:
        contact = sit.contact
        if not sit.debtor.inconvenient or not sit.by_bank or contact.consented:
            return None
        if contact.channel not in channels:
            return None
        said = next((window for window in sit.debtor.inconvenient if sit.clock in window), None)
        if said is None:
            return None
        return Hit(
            BLOCK,
            lambda: {
                "date": str(sit.day),
                "local_time": f"{sit.local:%H:%M}",
                "timezone": str(sit.local.tzinfo),
                "inconvenient": str(said),
                "reason": "stated_inconvenient",
            },
        )

    return check


def first_of(*checks: Check[P]) -> Check[P]:
    """One rule made of several checks: the first that fires speaks for the rule."""

    def check(sit: Situation, params: P) -> Hit | None:
        for each in checks:
            hit = each(sit, params)
            if hit is not None:
                return hit
        return None

    return check


def holds(*names: Hold) -> Check[Any]:
    """Any of these holds on the debtor stops every contact, whoever starts it."""
    wanted = frozenset(names)

    def check(sit: Situation, params: Any) -> Hit | None:
        held = sit.debtor.holds
        if not held or held.isdisjoint(wanted):
            return None
        found = held & wanted
        return Hit(BLOCK, lambda: {"holds": [str(hold) for hold in sorted(found)]})

    return check


def targets(sit: Situation, params: Any) -> Hit | None:
    """Only the targets the profile allows are contacted about the debt."""
    if sit.contact.target in params.allowed_targets:
        return None
    return Hit(BLOCK, lambda: {"target": str(sit.contact.target)})
