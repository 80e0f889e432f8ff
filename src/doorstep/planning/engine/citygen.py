"""A generated city day for ``doorstep planning bench-day``: deterministic for a seed.

Branches sit on a ring around a city centre (Shanghai's coordinates, about 30 km across);
each branch's candidates scatter around it. Visits are allowed 09:00–17:00 (CN-VISIT-01);
a fifth of the debtors are only home before 11:30 or after 14:00 (two windows), a tenth asked
for a one-hour slot, 2 % are promised appointments. A tenth of the visits are high-risk (need
a senior agent), 5 % need a legal and 5 % a finance specialist. Teams are pairs with a shift
of 08:30–17:30 from their branch (a fifth start from an agent's home), a one-hour lunch
starting 11:30–13:00 and at most eight visits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doorstep.planning.engine.problem import (
    HOUR,
    Candidate,
    PlanningProblem,
    Team,
    Window,
    farthest_points,
)

CENTRE = (31.2304, 121.4737)
KM_LAT = 1 / 111.0
KM_LON = 1 / 95.0
VISIT_DAY = Window(9 * HOUR, 17 * HOUR)


@dataclass(frozen=True)
class CityDay:
    branches: list[PlanningProblem]  # one problem per branch: the planner's unit of work

    @property
    def candidates(self) -> int:
        return sum(len(p.candidates) for p in self.branches)

    @property
    def teams(self) -> int:
        return sum(len(p.teams) for p in self.branches)


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def city_day(
    *, teams: int = 50, candidates: int = 2000, branches: int = 5, seed: int = 0, spots: int = 6
) -> CityDay:
    rng = np.random.default_rng(seed)
    problems = []
    angle0 = rng.uniform(0, 2 * np.pi)
    for b, (n_teams, n_cands) in enumerate(
        zip(_split(teams, branches), _split(candidates, branches), strict=True)
    ):
        angle = angle0 + 2 * np.pi * b / branches
        branch = (
            CENTRE[0] + 8 * KM_LAT * float(np.sin(angle)),
            CENTRE[1] + 8 * KM_LON * float(np.cos(angle)),
        )
        problems.append(_branch(rng, f"B{b + 1}", branch, n_teams, n_cands, spots))
    return CityDay(problems)


def _point(rng: np.random.Generator, around: tuple[float, float], km: float) -> tuple[float, float]:
    dy, dx = rng.normal(0.0, km, size=2)
    return (round(around[0] + dy * KM_LAT, 6), round(around[1] + dx * KM_LON, 6))


def _branch(
    rng: np.random.Generator,
    code: str,
    at: tuple[float, float],
    n_teams: int,
    n_cands: int,
    spots: int,
) -> PlanningProblem:
    cands: list[Candidate] = []
    for i in range(n_cands):
        roll = rng.random()
        if roll < 0.2:
            windows: tuple[Window, ...] = (
                Window(9 * HOUR, 11 * HOUR + 1800),
                Window(14 * HOUR, 17 * HOUR),
            )
        elif roll < 0.3:
            slot = int(rng.integers(9, 16)) * HOUR
            windows = (Window(slot, slot + HOUR),)
        else:
            windows = (VISIT_DAY,)
        skill_roll = rng.random()
        skills = (
            frozenset({"senior"})
            if skill_roll < 0.10
            else frozenset({"legal"})
            if skill_roll < 0.15
            else frozenset({"finance"})
            if skill_roll < 0.20
            else frozenset()
        )
        cands.append(
            Candidate(
                key=f"{code}-V{i:04d}",
                at=_point(rng, at, 4.0),
                value=int(rng.lognormal(7.0, 0.8)),
                service=int(rng.choice([30, 45, 60])) * 60,
                windows=windows,
                skills=skills,
                promised=bool(rng.random() < 0.02),
            )
        )
    teams = []
    for t in range(n_teams):
        team_skills = {"senior"} if t % 3 == 0 else set()
        if t % 5 == 1:
            team_skills.add("legal")
        if t % 5 == 2:
            team_skills.add("finance")
        home = _point(rng, at, 5.0) if t % 5 == 4 else at
        teams.append(
            Team(
                key=f"{code}-T{t:02d}",
                members=(f"{code}-A{2 * t:03d}", f"{code}-A{2 * t + 1:03d}"),
                start=home,
                end=at,
                shift_start=8 * HOUR + 1800,
                shift_end=17 * HOUR + 1800,
                skills=frozenset(team_skills),
            )
        )
    lunch = [*farthest_points([c.at for c in cands], spots - 1), at]
    return PlanningProblem(candidates=cands, teams=teams, lunch_spots=lunch)
