"""Running PyVRP on a built model: budgets, seeds, warm starts and the progress curve.

``pyvrp.solve`` does not expose the search callbacks, so :func:`run` passes them through
``SolveParams``; the ``on_best`` callback records when each better feasible solution was found,
which is how the benchmark draws the value-over-time curve and measures time to first feasible.
With an iteration budget the search is deterministic for a seed; with a time budget the number
of iterations, and so the answer, depends on the machine's load.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pyvrp import (
    IteratedLocalSearchCallbacks,
    IteratedLocalSearchParams,
    Solution,
    SolveParams,
    solve,
)
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from doorstep.planning.engine.model import Built

DEFAULT_HISTORY = IteratedLocalSearchParams().history_length
PLANNER_HISTORY = 100
"""A shorter late-acceptance history than PyVRP's default (300) for the visit planner: its
prize-collecting days gain value faster with a greedier search (measured in docs/planning.md);
the Solomon runs keep PyVRP's default."""


@dataclass(frozen=True)
class Budget:
    """Stop after ``seconds`` or ``iterations``, whichever comes first (at least one given)."""

    seconds: float | None = None
    iterations: int | None = None

    def criterion(self) -> StoppingCriterion:
        parts: list[StoppingCriterion] = []
        if self.seconds is not None:
            parts.append(MaxRuntime(self.seconds))
        if self.iterations is not None:
            parts.append(MaxIterations(self.iterations))
        if not parts:
            raise ValueError("a budget needs seconds or iterations")
        return parts[0] if len(parts) == 1 else MultipleCriteria(parts)


@dataclass(frozen=True)
class Progress:
    seconds: float
    solution: Solution


@dataclass
class _Recorder(IteratedLocalSearchCallbacks):
    started: float = field(default_factory=time.perf_counter)
    points: list[Progress] = field(default_factory=list)

    def on_best(self, best: Solution) -> None:
        if best.is_feasible():
            self.points.append(Progress(time.perf_counter() - self.started, best))


@dataclass(frozen=True)
class Outcome:
    best: Solution
    iterations: int
    seconds: float
    progress: list[Progress]  # feasible improvements, in order; the first is the first feasible


def run(
    built: Built,
    budget: Budget,
    *,
    seed: int = 0,
    initial: Solution | None = None,
    history: int = DEFAULT_HISTORY,
) -> Outcome:
    """Solve ``built`` within ``budget``; ``initial`` warm-starts from an earlier plan;
    ``history`` is the late-acceptance history length."""
    recorder = _Recorder()
    params = SolveParams(ils=IteratedLocalSearchParams(history_length=history, callbacks=recorder))
    if initial is not None and initial.is_feasible():
        recorder.points.append(Progress(0.0, initial))
    result = solve(
        built.data,
        budget.criterion(),
        seed=seed,
        collect_stats=False,
        display=False,
        params=params,
        initial_solution=initial,
    )
    if result.best.is_feasible() and (
        not recorder.points or recorder.points[-1].solution != result.best
    ):
        recorder.points.append(Progress(result.runtime, result.best))
    return Outcome(result.best, result.num_iterations, result.runtime, recorder.points)
