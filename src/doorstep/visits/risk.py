"""Pre-visit risk assessment: a score from 0 to 100 and what it demands of the team.

Pure (no Django): the service gathers the facts, this module weighs them, so the weights are
read and tested in one place. The weights are the bank's policy defaults, not law: threats and
incidents at the address dominate because they are what injures staff; an evening visit and an
inexperienced team add to the risk the history already carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from doorstep.core.i18n import gettext_noop


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


MEDIUM_FROM = 30
HIGH_FROM = 60
APPROVAL_FROM = 50  # a manager approves every visit scoring this or more
SENIOR_YEARS = 3  # a "senior agent" has at least this many years in the field
LATE_FROM = time(16, 0)


@dataclass(frozen=True)
class RiskFacts:
    """What the service knows before the visit."""

    threats: int = 0  # safety aborts and safety alerts on earlier visits to this debtor
    refusals: int = 0  # doors refused, visits refused
    complaints: int = 0  # complaints the debtor made
    address_incidents: int = 0  # safety alerts at this address, whoever lived there
    arrival: time | None = None  # planned local arrival, if known
    team_years: tuple[int, ...] = ()  # years of field experience of each agent in the team


@dataclass(frozen=True)
class Factor:
    code: str
    points: int


@dataclass(frozen=True)
class Assessment:
    score: int
    level: Level
    factors: tuple[Factor, ...]
    needs_senior: bool
    needs_approval: bool


# (code, points per occurrence, cap)
_HISTORY = (
    ("threats", 30, 45),
    ("address_incidents", 15, 30),
    ("complaints", 10, 20),
    ("refusals", 5, 15),
)
LATE_POINTS = 10
NOVICE_POINTS = 10  # nobody in the team has a full year
JUNIOR_POINTS = 5  # nobody in the team is senior

FACTOR_LABELS = {
    "threats": gettext_noop("Threats or safety aborts on earlier visits"),
    "address_incidents": gettext_noop("Incidents at this address"),
    "complaints": gettext_noop("Complaints by the debtor"),
    "refusals": gettext_noop("Earlier refusals"),
    "late": gettext_noop("Late-afternoon arrival"),
    "novice_team": gettext_noop("No agent in the team has a year's experience"),
    "junior_team": gettext_noop("No senior agent in the team"),
}


def assess(facts: RiskFacts) -> Assessment:
    """Weigh ``facts`` into a score; a high score needs a senior agent, a score at or above
    ``APPROVAL_FROM`` a manager's approval."""
    factors: list[Factor] = []
    for code, each, cap in _HISTORY:
        count = getattr(facts, code)
        if count > 0:
            factors.append(Factor(code, min(count * each, cap)))
    if facts.arrival is not None and facts.arrival >= LATE_FROM:
        factors.append(Factor("late", LATE_POINTS))
    most = max(facts.team_years, default=0)
    if most < 1:
        factors.append(Factor("novice_team", NOVICE_POINTS))
    elif most < SENIOR_YEARS:
        factors.append(Factor("junior_team", JUNIOR_POINTS))
    score = min(100, sum(factor.points for factor in factors))
    level = (
        Level.HIGH if score >= HIGH_FROM else Level.MEDIUM if score >= MEDIUM_FROM else Level.LOW
    )
    return Assessment(
        score=score,
        level=level,
        factors=tuple(factors),
        needs_senior=level is Level.HIGH,
        needs_approval=score >= APPROVAL_FROM,
    )


def has_senior(team_years: tuple[int, ...]) -> bool:
    return any(years >= SENIOR_YEARS for years in team_years)
