"""The kind of every day in mainland China: workday, weekend, public-holiday rest day, make-up
workday, or unknown.

Sources, in order: a yearly arrangement an administrator loaded (the State Council publishes
next year's around November; it overrides everything), then ``chinese-calendar`` for the years
it carries. ``holidays`` only cross-checks those years: for a year neither knows it silently
guesses the festivals without make-up workdays, so such a year is **unknown** (CN-HOL-02), never
guessed.

Day kinds are computed once per year into a dict, so the batch path's lookup is one ``get``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import chinese_calendar
import holidays

from doorstep.core.i18n import gettext_noop

from .model import EngineInputError


class DayKind(StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    PUBLIC_HOLIDAY = "public_holiday"  # a rest day inside a State Council holiday period
    MAKEUP_WORKDAY = "makeup_workday"  # 调休: a weekend day worked instead
    UNKNOWN = "unknown"


REST_KINDS = frozenset({DayKind.WEEKEND, DayKind.PUBLIC_HOLIDAY})
# Plain names for the rules' hot paths (see ``model.VISIT``).
WEEKEND, PUBLIC_HOLIDAY, UNKNOWN = DayKind.WEEKEND, DayKind.PUBLIC_HOLIDAY, DayKind.UNKNOWN

# chinese-calendar's English holiday names → the keys explanations are written for.
_PACKAGE_NAMES: Mapping[str, str] = {item.value: item.name for item in chinese_calendar.Holiday}
PACKAGE_YEARS = frozenset(day.year for day in chinese_calendar.holidays)

NOT_A_DATE = gettext_noop("%(value)s is not a date (YYYY-MM-DD)")
OTHER_YEAR = gettext_noop("%(value)s is not in %(year)s")
NOT_WEEKEND = gettext_noop("%(value)s is not a Saturday or Sunday, so it cannot be made a workday")
BOTH = gettext_noop("%(value)s is both a rest day and a make-up workday")
BAD_YEAR = gettext_noop("must be a year from 2000 to 2100")
BAD_SHAPE = gettext_noop("must be a list of dates")


@dataclass(frozen=True, slots=True)
class YearArrangement:
    """One year's official arrangement: its rest days (weekends inside holiday periods
    included) and its make-up workdays; ``names`` optionally says which holiday a rest day
    belongs to (a key such as ``national_day``, or the holiday's name as text)."""

    year: int
    rest_days: frozenset[date]
    makeup_workdays: frozenset[date]
    names: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for day in sorted(self.rest_days | self.makeup_workdays):
            if day.year != self.year:
                raise EngineInputError("rest_days", OTHER_YEAR, value=str(day), year=self.year)
        for day in sorted(self.makeup_workdays):
            if day.weekday() < 5:
                raise EngineInputError("makeup_workdays", NOT_WEEKEND, value=str(day))
            if day in self.rest_days:
                raise EngineInputError("makeup_workdays", BOTH, value=str(day))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> YearArrangement:
        """``{"year": 2027, "rest_days": [...], "makeup_workdays": [...], "names": {...}}``."""
        year = data.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
            raise EngineInputError("year", BAD_YEAR)
        names = data.get("names", {})
        if not isinstance(names, dict):
            raise EngineInputError("names", BAD_SHAPE)
        return cls(
            year=year,
            rest_days=frozenset(_dates("rest_days", data.get("rest_days", []))),
            makeup_workdays=frozenset(_dates("makeup_workdays", data.get("makeup_workdays", []))),
            names={_date("names", key): str(value) for key, value in names.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "rest_days": sorted(str(day) for day in self.rest_days),
            "makeup_workdays": sorted(str(day) for day in self.makeup_workdays),
            "names": {str(day): name for day, name in sorted(self.names.items())},
        }


class Calendar:
    """Day kinds from loaded arrangements, else ``chinese-calendar``, else unknown."""

    def __init__(
        self, arrangements: Iterable[YearArrangement] = (), *, use_packages: bool = True
    ) -> None:
        self._arrangements = {item.year: item for item in arrangements}
        self._use_packages = use_packages
        self._kinds: dict[date, DayKind] = {}
        self._names: dict[date, str] = {}

    def knows(self, year: int) -> bool:
        return year in self._arrangements or (self._use_packages and year in PACKAGE_YEARS)

    def kind(self, day: date) -> DayKind:
        found = self._kinds.get(day)
        if found is None:
            self._fill(day.year)
            found = self._kinds[day]
        return found

    def holiday(self, day: date) -> str | None:
        """The key of the holiday a rest day belongs to, when the source says."""
        self.kind(day)
        return self._names.get(day)

    def is_rest_day(self, day: date) -> tuple[bool, bool]:
        """(rest day?, guessed?) for the limitation counting of CN-LIM-04: in an unknown year
        only weekends are rest days, and the answer is a guess."""
        kind = self.kind(day)
        if kind is DayKind.UNKNOWN:
            return day.weekday() >= 5, True
        return kind in REST_KINDS, False

    def next_workday(self, day: date) -> tuple[date, bool]:
        """``day`` itself if it is a workday, else the first workday after it; the flag says
        whether an unknown year's day was guessed on the way."""
        guessed = False
        while True:
            rest, guess = self.is_rest_day(day)
            guessed = guessed or guess
            if not rest:
                return day, guessed
            day += timedelta(days=1)

    def _fill(self, year: int) -> None:
        rest: Iterable[date]
        makeup: Iterable[date]
        if year in self._arrangements:
            arrangement = self._arrangements[year]
            rest, makeup = arrangement.rest_days, arrangement.makeup_workdays
            self._names.update(arrangement.names)
        elif self._use_packages and year in PACKAGE_YEARS:
            rest = [day for day in chinese_calendar.holidays if day.year == year]
            makeup = [day for day in chinese_calendar.workdays if day.year == year]
            for day in rest:
                name = _PACKAGE_NAMES.get(chinese_calendar.holidays[day])
                if name:
                    self._names[day] = name
        else:
            rest, makeup = (), ()
        day = date(year, 1, 1)
        known = self.knows(year)
        rest_set, makeup_set = frozenset(rest), frozenset(makeup)
        while day.year == year:
            if not known:
                self._kinds[day] = DayKind.UNKNOWN
            elif day in rest_set:
                self._kinds[day] = DayKind.PUBLIC_HOLIDAY
            elif day in makeup_set:
                self._kinds[day] = DayKind.MAKEUP_WORKDAY
            elif day.weekday() >= 5:
                self._kinds[day] = DayKind.WEEKEND
            else:
                self._kinds[day] = DayKind.WORKDAY
            day += timedelta(days=1)


def crosscheck(years: Iterable[int]) -> list[str]:
    """Where ``chinese-calendar`` and ``holidays`` disagree about a year both carry.

    ``holidays`` lists each festival's named days but not the weekends inside a holiday period,
    so the check is one-sided for rest days (each day it names must be a rest day) and exact for
    make-up workdays. An empty list means they agree.
    """
    problems = []
    for year in sorted(years):
        ours = Calendar()
        theirs = holidays.country_holidays("CN", years=year)
        for day in sorted(theirs):
            if day.year == year and ours.kind(day) is not DayKind.PUBLIC_HOLIDAY:
                problems.append(f"{day}: holidays says {theirs[day]!r}, chinese-calendar does not")
        their_makeup = {day for day in theirs.weekend_workdays if day.year == year}
        our_makeup = {day for day in chinese_calendar.workdays if day.year == year}
        for day in sorted(their_makeup ^ our_makeup):
            side = "holidays" if day in their_makeup else "chinese-calendar"
            problems.append(f"{day}: only {side} makes it a make-up workday")
    return problems


def _dates(name: str, values: Any) -> list[date]:
    if not isinstance(values, list):
        raise EngineInputError(name, BAD_SHAPE)
    return [_date(name, value) for value in values]


def _date(name: str, value: Any) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise EngineInputError(name, NOT_A_DATE, value=str(value)) from None
