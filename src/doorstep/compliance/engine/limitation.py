"""The limitation period of a debt (诉讼时效), as 民法典 Arts 188–203 and rules.md word it.

- CN-LIM-01: 3 years from the start (an instalment debt: the last instalment's due date); a
  20-year long-stop from the start that nothing restarts.
- CN-LIM-02: an obstacle in the last 6 months suspends it: it then ends 6 months after the
  obstacle clears.
- CN-LIM-03: a demand that reached the debtor, a debit, an acknowledgement (part payment, plan…)
  restarts the 3 years from that day; a suit restarts them from the end of the proceedings.
  Only an event on or before the day the period ends can interrupt it; after that day an
  acknowledgement, part payment or plan is the debtor's waiver (CN-LIM-05), not an interruption.
- CN-LIM-04: the start day is not counted and the period ends at 24:00 of the corresponding day
  (no such day, e.g. 29 February: the month's last day); an end on a rest day (a weekend or
  public-holiday day that is not a make-up workday) moves to the next workday. In a year whose
  calendar is not loaded only weekends are rest days, and the result is **provisional**.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from doorstep.core.i18n import gettext_noop

from .calendar import Calendar
from .model import EngineInputError
from .params import CnParams


class EventKind(StrEnum):
    DEMAND_DELIVERED = "demand_delivered"
    ACKNOWLEDGEMENT = "acknowledgement"
    PART_PAYMENT = "part_payment"
    DEBIT = "debit"
    PLAN = "plan"
    SUIT = "suit"


# After expiry these are the debtor agreeing to pay (SPC 诉讼时效规定 Art 19), not a demand.
WAIVERS = frozenset({EventKind.ACKNOWLEDGEMENT, EventKind.PART_PAYMENT, EventKind.PLAN})

ENDED_BEFORE = gettext_noop("the proceedings cannot end (%(ended)s) before the suit (%(on)s)")
ENDED_NOT_SUIT = gettext_noop("only a suit has an end of proceedings")
CLEARED_BEFORE = gettext_noop("an obstacle cannot clear (%(to)s) before it begins (%(begins)s)")


@dataclass(frozen=True, slots=True)
class Interruption:
    """An event that restarts the period; a suit restarts it from ``ended`` (None: the
    proceedings are still going on)."""

    kind: EventKind
    on: date
    ended: date | None = None

    def __post_init__(self) -> None:
        if self.ended is not None:
            if self.kind is not EventKind.SUIT:
                raise EngineInputError("ended", ENDED_NOT_SUIT)
            if self.ended < self.on:
                raise EngineInputError(
                    "ended", ENDED_BEFORE, ended=str(self.ended), on=str(self.on)
                )


@dataclass(frozen=True, slots=True)
class Obstacle:
    """Something that kept the bank from claiming (force majeure…), from ``begins`` until it
    cleared on ``ends`` (None: not yet cleared)."""

    begins: date
    ends: date | None = None

    def __post_init__(self) -> None:
        if self.ends is not None and self.ends < self.begins:
            raise EngineInputError("to", CLEARED_BEFORE, to=str(self.ends), begins=str(self.begins))


Event = Interruption | Obstacle


@dataclass(frozen=True, slots=True)
class Limitation:
    """When the period ends and why. ``expires`` is None while it is not running (a suit still
    pending, an obstacle not yet cleared); ``extended_from`` is the corresponding day when a
    rest day moved the end."""

    start: date
    expires: date | None
    provisional: bool
    interrupted_by: Interruption | None
    suspended_by: Obstacle | None
    extended_from: date | None
    long_stop: date
    capped_by_long_stop: bool
    waived_by: Interruption | None

    @property
    def rules(self) -> tuple[str, ...]:
        fired = ["CN-LIM-01"]
        if self.suspended_by is not None:
            fired.append("CN-LIM-02")
        if self.interrupted_by is not None:
            fired.append("CN-LIM-03")
        fired.append("CN-LIM-04")
        if self.waived_by is not None:
            fired.append("CN-LIM-05")
        return tuple(fired)

    def days_left(self, today: date) -> int | None:
        """Days until the end; 0 on the last day (it ends at 24:00), negative once expired."""
        return None if self.expires is None else (self.expires - today).days

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def time_barred(self, today: date) -> bool:
        """Expired and not waived: no suit may be threatened (CN-LIM-05)."""
        return self.expired(today) and self.waived_by is None

    def warning(self, today: date, thresholds: Sequence[int] = (180, 90, 30)) -> int | None:
        """The tightest warning threshold reached (180, 90 or 30 days left), None if none is
        or the period has already ended."""
        left = self.days_left(today)
        if left is None or left < 0:
            return None
        reached = [days for days in thresholds if left <= days]
        return min(reached) if reached else None


def corresponding_day(start: date, *, years: int = 0, months: int = 0) -> date:
    """The same day ``years`` and ``months`` later (or earlier); the month's last day when it
    has no such day (29 February + 1 year → 28 February)."""
    index = start.year * 12 + start.month - 1 + years * 12 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(start.day, (following - timedelta(days=1)).day))


@dataclass(frozen=True, slots=True)
class _End:
    expires: date
    nominal: date
    guessed: bool


def period_end(start: date, calendar: Calendar, *, years: int = 0, months: int = 0) -> _End:
    """CN-LIM-04: the corresponding day, moved off a rest day to the next workday."""
    nominal = corresponding_day(start, years=years, months=months)
    expires, guessed = calendar.next_workday(nominal)
    return _End(expires, nominal, guessed)


def start_for_instalments(due_dates: Iterable[date]) -> date:
    """An instalment debt's period runs from the last instalment's due date (CN-LIM-01)."""
    return max(due_dates)


def limitation(
    start: date, events: Iterable[Event], *, params: CnParams, calendar: Calendar
) -> Limitation:
    """The limitation of a debt whose period starts on ``start``, given what happened since."""
    interruptions = sorted(
        (event for event in events if isinstance(event, Interruption)), key=lambda e: e.on
    )
    obstacles = [event for event in events if isinstance(event, Obstacle)]
    long_stop = period_end(start, calendar, years=params.long_stop_years)
    running = start
    last: Interruption | None = None
    provisional = False
    waived_by: Interruption | None = None
    for position, event in enumerate(interruptions):
        if event.on < start:
            continue
        end, _ = _suspended_end(running, obstacles, params, calendar)
        if end is not None:
            provisional = provisional or (end.guessed and event.on > end.nominal)
            if event.on > end.expires:
                waived_by = next((e for e in interruptions[position:] if e.kind in WAIVERS), None)
                break
        if event.kind is EventKind.SUIT and event.ended is None:
            return Limitation(
                start, None, provisional, event, None, None, long_stop.expires, False, None
            )
        restart = event.ended if event.ended is not None else event.on
        if restart >= running:
            running, last = restart, event
    end, obstacle = _suspended_end(running, obstacles, params, calendar)
    if end is None:
        return Limitation(
            start, None, provisional, last, obstacle, None, long_stop.expires, False, None
        )
    capped = long_stop.expires < end.expires
    final = long_stop if capped else end
    return Limitation(
        start=start,
        expires=final.expires,
        provisional=provisional or final.guessed,
        interrupted_by=last,
        suspended_by=obstacle,
        extended_from=final.nominal if final.nominal != final.expires else None,
        long_stop=long_stop.expires,
        capped_by_long_stop=capped,
        waived_by=waived_by,
    )


def _suspended_end(
    running: date, obstacles: Sequence[Obstacle], params: CnParams, calendar: Calendar
) -> tuple[_End | None, Obstacle | None]:
    """The end of the period running from ``running``, after CN-LIM-02: each obstacle present
    in the last months of the period moves the end to that many months after it clears (which
    can bring another obstacle into the new last months). None while an obstacle has not
    cleared."""
    end = period_end(running, calendar, years=params.limitation_years)
    by: Obstacle | None = None
    pending = list(obstacles)
    changed = True
    while changed:
        changed = False
        window_opens = corresponding_day(end.expires, months=-params.suspension_months)
        for obstacle in list(pending):
            if obstacle.begins > end.expires or (
                obstacle.ends is not None and obstacle.ends < window_opens
            ):
                continue
            if obstacle.ends is None:
                return None, obstacle
            pending.remove(obstacle)
            moved = period_end(obstacle.ends, calendar, months=params.suspension_months)
            if moved.expires > end.expires:
                end, by, changed = moved, obstacle, True
    return end, by
