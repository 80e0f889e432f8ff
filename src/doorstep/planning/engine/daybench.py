"""Plan a generated city day branch by branch and measure it (``bench-day``).

Decomposition by branch is exact here: a branch's teams visit only that branch's cases, so the
day is one independent problem per branch, and each gets a share of the time budget in
proportion to its candidates. The search within a branch follows the same trajectory whatever
its budget (late-acceptance hill climbing, no time-dependent schedule), so the best value a
branch had reached after a fraction f of its budget is what a run with budget f would have
returned; summing over branches gives the value-over-time curve of the whole day from one run.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from doorstep.planning.engine.check import check_plan
from doorstep.planning.engine.citygen import CityDay
from doorstep.planning.engine.matrix import HaversineProvider
from doorstep.planning.engine.problem import Plan, prepare, solve_plan
from doorstep.planning.engine.search import Budget

FRACTIONS = (0.02, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class DayResult:
    seconds: float
    prepare_seconds: float
    first_feasible: float  # seconds until every branch had a feasible plan, run one after another
    value: int
    planned: int
    candidates: int
    teams: int
    curve: list[tuple[float, int]]  # (seconds of the whole budget, value)
    reasons: dict[str, int]
    violations: list[str]


def _value_at(plan: Plan, seconds: float) -> int:
    reached = [value for at, value in plan.progress if at <= seconds]
    return reached[-1] if reached else 0


def plan_city_day(day: CityDay, seconds: float, *, seed: int = 0) -> DayResult:
    provider = HaversineProvider()
    started = time.perf_counter()
    preps = [prepare(problem, provider) for problem in day.branches]
    prepare_seconds = time.perf_counter() - started
    total = max(1, day.candidates)
    plans: list[Plan] = []
    budgets: list[float] = []
    for prep in preps:
        share = seconds * len(prep.problem.candidates) / total
        budgets.append(share)
        plans.append(solve_plan(prep, Budget(seconds=share), seed=seed))
    first = sum(plan.progress[0][0] if plan.progress else plan.seconds for plan in plans)
    curve = [
        (f * seconds, sum(_value_at(p, f * b) for p, b in zip(plans, budgets, strict=True)))
        for f in FRACTIONS
    ]
    violations = [
        f"{problem.teams[0].key[:2]}: {v}"
        for problem, plan in zip(day.branches, plans, strict=True)
        for v in check_plan(problem, plan, provider)
    ]
    violations += [f"branch plan {i} infeasible" for i, p in enumerate(plans) if not p.feasible]
    reasons = Counter(u.code for plan in plans for u in plan.unvisited.values())
    return DayResult(
        seconds=time.perf_counter() - started,
        prepare_seconds=prepare_seconds,
        first_feasible=prepare_seconds + first,
        value=sum(p.value for p in plans),
        planned=sum(len(r.visits) for p in plans for r in p.routes),
        candidates=day.candidates,
        teams=day.teams,
        curve=curve,
        reasons=dict(sorted(reasons.items())),
        violations=violations,
    )
