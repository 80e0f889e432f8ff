"""The visit-planning problem for one branch and day, and the plan that answers it.

Plain data in, plain data out: the Django side loads candidates (with their compliance windows),
teams and lunch spots, this module builds the routing model with :mod:`.model`, solves it with
:mod:`.search`, and explains every candidate left out. Times are seconds after local midnight of
the plan's day; money is whole yuan; distances are metres.

A candidate's windows are intervals that must contain the whole visit (a visit that starts at
16:30 and takes 45 minutes does not fit a window ending at 17:00).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from pyvrp import ProblemData, Route, Solution

from doorstep.core.i18n import gettext_noop
from doorstep.planning.engine.matrix import LatLon, MatrixProvider, TravelMatrix
from doorstep.planning.engine.model import Built, Fleet, RoutingSpec, Stop, build_data
from doorstep.planning.engine.search import PLANNER_HISTORY, Budget, Outcome, run

HOUR = 3600

REASONS = {
    "forbidden": gettext_noop("Forbidden by a manager for this plan."),
    "no_location": gettext_noop("The address has no map coordinates."),
    "awaiting_approval": gettext_noop("The visit still waits for a manager's approval."),
    "blocked": gettext_noop("The compliance engine does not allow a visit on this day."),
    "no_window": gettext_noop("No allowed time window on this day."),
    "no_team": gettext_noop("No team is on shift (a team needs two field agents)."),
    "no_skill": gettext_noop("No team on shift has the skills this visit needs."),
    "outside_shift": gettext_noop("No team can reach it inside its windows and shift."),
    "not_chosen": gettext_noop("Lower value than the visits that fit in the teams' day."),
    "shortlist": gettext_noop(
        "Lower value than the visits that fit in the teams' day (not on the shortlist)."
    ),
}
"""Why a candidate is not in the plan; codes are stable, texts are translated for display."""


@dataclass(frozen=True)
class Window:
    start: int
    end: int


@dataclass(frozen=True)
class Candidate:
    key: str
    at: LatLon
    value: int  # expected recovery uplift of the visit, whole yuan
    service: int  # seconds on site
    windows: tuple[Window, ...]
    skills: frozenset[str] = frozenset()
    promised: bool = False  # an appointment made with the debtor: must be kept if at all possible
    pinned_team: str | None = None
    blocked_by: tuple[str, ...] = ()  # compliance rule ids that block the visit on this day


@dataclass(frozen=True)
class Team:
    key: str
    members: tuple[str, ...]
    start: LatLon
    end: LatLon
    shift_start: int
    shift_end: int
    skills: frozenset[str] = frozenset()
    max_visits: int = 8
    lunch_early: int = 11 * HOUR + 30 * 60  # earliest start of the lunch break
    lunch_late: int = 13 * HOUR  # latest start
    lunch_length: int = HOUR


@dataclass
class PlanningProblem:
    candidates: list[Candidate]
    teams: list[Team]
    lunch_spots: list[LatLon]
    forbidden: frozenset[str] = frozenset()
    cost_per_km: float = 2.0  # yuan per kilometre a team drives
    promised_value: int = 100_000  # yuan-equivalent prize that makes appointments win
    shortlist: float | None = 2.0  # candidates kept per visit the teams can make (None: all)


@dataclass(frozen=True)
class PlannedVisit:
    key: str
    arrive: int
    start: int
    end: int


@dataclass(frozen=True)
class PlannedBreak:
    spot: int  # index into ``PlanningProblem.lunch_spots``
    start: int
    end: int


@dataclass(frozen=True)
class TeamRoute:
    team: str
    items: tuple[PlannedVisit | PlannedBreak, ...]
    depart: int
    back: int
    metres: int

    @property
    def visits(self) -> list[PlannedVisit]:
        return [item for item in self.items if isinstance(item, PlannedVisit)]


@dataclass(frozen=True)
class Unvisited:
    code: str
    rules: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return REASONS[self.code]


@dataclass
class Plan:
    routes: list[TeamRoute]
    unvisited: dict[str, Unvisited]
    value: int  # yuan collected by the planned visits (appointments at their own value)
    metres: int
    feasible: bool
    progress: list[tuple[float, int]] = field(default_factory=list)  # (seconds, value)
    seconds: float = 0.0
    iterations: int = 0


@dataclass
class Prepared:
    """The model of a problem, with what is needed to read solutions back."""

    problem: PlanningProblem
    built: Built
    travel: TravelMatrix
    stop_candidate: list[int]  # spec stop → candidate index
    team_of_type: list[int]  # vehicle type → team index
    excluded: dict[str, Unvisited]


PRIZE_PER_YUAN = 10
"""The objective counts in tenths of a yuan: prizes are value × 10, and an edge costs its
metres × cost per km / 100. Small units matter: PyVRP's penalties for load and time-window
violations are capped (100,000 per unit), and a prize far above that cap would make an
overfull route look worth its penalty."""


def _exclusion(problem: PlanningProblem, cand: Candidate) -> Unvisited | None:
    """Why ``cand`` cannot be planned whatever the teams, or None."""
    if cand.key in problem.forbidden:
        return Unvisited("forbidden")
    if cand.blocked_by:
        return Unvisited("blocked", cand.blocked_by)
    if not any(w.end - w.start >= cand.service for w in cand.windows):
        return Unvisited("no_window")
    if not problem.teams:
        return Unvisited("no_team")
    return None


def _prize(problem: PlanningProblem, candidate: Candidate) -> int:
    value = problem.promised_value if candidate.promised else candidate.value
    return max(1, value * PRIZE_PER_YUAN)


def _cost_matrix(problem: PlanningProblem, metres: np.ndarray) -> np.ndarray:
    per_metre = problem.cost_per_km * PRIZE_PER_YUAN / 1000
    return np.ceil(metres * per_metre).astype(np.int64)


def prepare(problem: PlanningProblem, provider: MatrixProvider) -> Prepared:
    """Filter out what cannot be planned (with its reason) and build the routing model."""
    teams = problem.teams
    depot_points: list[LatLon] = []
    for team in teams:
        for point in (team.start, team.end):
            if point not in depot_points:
                depot_points.append(point)
    n_depots = len(depot_points)
    cands = problem.candidates
    points = depot_points + [c.at for c in cands] + list(problem.lunch_spots)
    travel = provider.matrix(points)
    dur = travel.seconds

    excluded: dict[str, Unvisited] = {}
    team_keys = {t.key for t in teams}
    stops: list[Stop] = []
    stop_candidate: list[int] = []
    groups: list[list[int]] = []
    plannable: list[tuple[int, list[Window], frozenset[str]]] = []
    for ci, cand in enumerate(cands):
        reason = _exclusion(problem, cand)
        if reason is not None:
            excluded[cand.key] = reason
            continue
        windows = [w for w in cand.windows if w.end - w.start >= cand.service]
        needs = cand.skills | ({f"pin:{cand.pinned_team}"} if cand.pinned_team else set())
        able = [t for t in teams if cand.skills <= t.skills and (cand.pinned_team in (None, t.key))]
        if not able or (cand.pinned_team and cand.pinned_team not in team_keys):
            excluded[cand.key] = Unvisited("no_skill")
            continue
        loc = n_depots + ci
        fits: list[Window] = []
        for w in windows:
            late = w.end - cand.service
            for t in able:
                begin = max(t.shift_start + int(dur[depot_points.index(t.start), loc]), w.start)
                home = begin + cand.service + int(dur[loc, depot_points.index(t.end)])
                if begin <= late and home <= t.shift_end:
                    fits.append(w)
                    break
        if not fits:
            excluded[cand.key] = Unvisited("outside_shift")
            continue
        plannable.append((ci, fits, frozenset(needs)))
    kept = set(_kept(problem, plannable))
    for ci, fits, needs in plannable:
        if ci not in kept:
            excluded[cands[ci].key] = Unvisited("shortlist")
            continue
        cand = cands[ci]
        loc = n_depots + ci
        first = len(stops)
        for w in fits:
            stops.append(
                Stop(
                    location=loc,
                    service=cand.service,
                    tw_early=w.start,
                    tw_late=w.end - cand.service,
                    prize=_prize(problem, cand),
                    required=False,
                    delivery=(1,),
                    skills=needs,
                    key=cand.key,
                )
            )
            stop_candidate.append(ci)
        if len(fits) > 1:
            groups.append(list(range(first, len(stops))))

    spots = tuple(n_depots + len(cands) + s for s in range(len(problem.lunch_spots)))
    fleets = [
        Fleet(
            count=1,
            start_depot=depot_points.index(t.start),
            end_depot=depot_points.index(t.end),
            tw_early=t.shift_start,
            tw_late=t.shift_end,
            capacity=(t.max_visits,),
            skills=t.skills | {f"pin:{t.key}"}
            if any(c.pinned_team == t.key for c in cands)
            else t.skills,
            lunch_spots=spots,
            lunch_early=t.lunch_early,
            lunch_late=t.lunch_late,
            lunch_length=t.lunch_length,
            name=t.key,
        )
        for t in teams
    ]
    spec = RoutingSpec(
        coords=[(lon, lat) for lat, lon in points],
        depots=list(range(n_depots)),
        stops=stops,
        fleets=fleets,
        distance=_cost_matrix(problem, travel.metres),
        duration=travel.seconds,
        groups=groups,
    )
    return Prepared(
        problem, build_data(spec), travel, stop_candidate, list(range(len(teams))), excluded
    )


def _kept(
    problem: PlanningProblem, plannable: list[tuple[int, list[Window], frozenset[str]]]
) -> list[int]:
    """The candidates the solver sees: with ``shortlist`` set, appointments and pinned visits
    and then the most valuable others, up to ``shortlist`` × the visits the teams can make.

    Why: the teams can make only so many visits, and a candidate far down the value ranking
    is almost never worth a slot; leaving it out makes every search iteration cheaper, which
    buys more value within a minute than the long tail could (docs/planning.md has numbers).
    """
    order = [ci for ci, _fits, _needs in plannable]
    if problem.shortlist is None:
        return order
    limit = int(problem.shortlist * sum(t.max_visits for t in problem.teams))
    cands = problem.candidates
    ranked = sorted(
        order,
        key=lambda ci: (not (cands[ci].promised or cands[ci].pinned_team), -cands[ci].value, ci),
    )
    must = sum(1 for ci in order if cands[ci].promised or cands[ci].pinned_team)
    return sorted(ranked[: max(limit, must)])


def _decode_route(prep: Prepared, route: Route) -> TeamRoute:
    """Times come from PyVRP's schedule; arrival and metres from our own travel matrix."""
    problem = prep.problem
    data = prep.built.data
    team = problem.teams[prep.team_of_type[route.vehicle_type()]]
    first_spot = prep.travel.metres.shape[0] - len(problem.lunch_spots)
    items: list[PlannedVisit | PlannedBreak] = []
    at = data.depot(route.start_depot()).location
    free = route.start_time()
    metres = 0
    for activity in route.schedule():
        if not activity.is_client():
            continue
        client = data.client(activity.idx)
        arrive = free + int(prep.travel.seconds[at, client.location])
        metres += int(prep.travel.metres[at, client.location])
        stop = prep.built.client_stop[activity.idx]
        if stop is None:
            spot = client.location - first_spot
            items.append(PlannedBreak(spot, activity.start_time, activity.end_time))
        else:
            cand = problem.candidates[prep.stop_candidate[stop]]
            items.append(PlannedVisit(cand.key, arrive, activity.start_time, activity.end_time))
        at, free = client.location, activity.end_time
    metres += int(prep.travel.metres[at, data.depot(route.end_depot()).location])
    return TeamRoute(team.key, tuple(items), route.start_time(), route.end_time(), metres)


def decode(prep: Prepared, solution: Solution) -> Plan:
    """Routes of the teams that visit someone, and a reason for every other candidate."""
    routes = [_decode_route(prep, r) for r in solution.routes()]
    routes = [r for r in routes if r.visits]
    planned = {v.key for r in routes for v in r.visits}
    unvisited = dict(prep.excluded)
    for cand in prep.problem.candidates:
        if cand.key not in planned and cand.key not in unvisited:
            unvisited[cand.key] = Unvisited("not_chosen")
    return Plan(
        routes=routes,
        unvisited=unvisited,
        value=plan_value(prep.problem, planned),
        metres=sum(r.metres for r in routes),
        feasible=solution.is_feasible(),
    )


def plan_value(problem: PlanningProblem, keys: set[str]) -> int:
    return sum(c.value for c in problem.candidates if c.key in keys)


def warm_start(prep: Prepared, plan: Plan) -> Solution:
    """A solution of ``prep``'s model that repeats ``plan`` where it still can.

    Visits no longer in the model (forbidden since, or now blocked) are dropped; each team keeps
    its previous lunch spot. The search then repairs and improves it, which is much faster than
    starting from scratch after a manager's small change.
    """
    data = prep.built.data
    by_key: dict[str, list[int]] = {}
    breaks: dict[tuple[int, int], int] = {}
    n_spot0 = prep.travel.metres.shape[0] - len(prep.problem.lunch_spots)
    for client_idx, stop in enumerate(prep.built.client_stop):
        if stop is not None:
            key = prep.problem.candidates[prep.stop_candidate[stop]].key
            by_key.setdefault(key, []).append(client_idx)
        else:
            vtype = prep.built.client_break[client_idx]
            assert vtype is not None  # noqa: S101 (a client is a visit or a break)
            breaks.setdefault((vtype, data.client(client_idx).location - n_spot0), client_idx)
    team_type = {prep.problem.teams[t].key: v for v, t in enumerate(prep.team_of_type)}
    routes: list[Route] = []
    for route in plan.routes:
        vtype = team_type.get(route.team)
        if vtype is None:
            continue
        visits: list[int] = []
        for item in route.items:
            if isinstance(item, PlannedBreak):
                if (vtype, item.spot) in breaks:
                    visits.append(breaks[(vtype, item.spot)])
            elif item.key in by_key:
                visits.append(_closest_window(data, by_key[item.key], item.start))
        routes.append(Route(data, visits, vtype))
    return Solution(data, routes)


def _closest_window(data: ProblemData, clients: Sequence[int], start: int) -> int:
    """The copy of a visit whose window holds ``start`` (else the first)."""
    for idx in clients:
        client = data.client(idx)
        if client.tw_early <= start <= client.tw_late:
            return idx
    return clients[0]


def solve_plan(
    prep: Prepared, budget: Budget, *, seed: int = 0, initial: Plan | None = None
) -> Plan:
    start = warm_start(prep, initial) if initial is not None else None
    outcome: Outcome = run(prep.built, budget, seed=seed, initial=start, history=PLANNER_HISTORY)
    plan = decode(prep, outcome.best)
    plan.progress = [(p.seconds, _value_of(prep, p.solution)) for p in outcome.progress]
    plan.seconds = outcome.seconds
    plan.iterations = outcome.iterations
    return plan


def _value_of(prep: Prepared, solution: Solution) -> int:
    keys = set()
    for route in solution.routes():
        for activity in route:
            if activity.is_client():
                stop = prep.built.client_stop[activity.idx]
                if stop is not None:
                    keys.add(prep.problem.candidates[prep.stop_candidate[stop]].key)
    return plan_value(prep.problem, keys)


def plan_day(
    problem: PlanningProblem,
    provider: MatrixProvider,
    budget: Budget,
    *,
    seed: int = 0,
    initial: Plan | None = None,
) -> Plan:
    """Prepare, solve and explain in one call (no teams: nothing to solve, only reasons)."""
    if not problem.teams:
        unvisited = {
            c.key: _exclusion(problem, c) or Unvisited("no_team") for c in problem.candidates
        }
        return Plan(routes=[], unvisited=unvisited, value=0, metres=0, feasible=True)
    return solve_plan(prepare(problem, provider), budget, seed=seed, initial=initial)


def farthest_points(points: Sequence[LatLon], k: int) -> list[LatLon]:
    """``k`` well-spread points (greedy farthest-point sampling, deterministic): lunch spots."""
    if not points or k <= 0:
        return []
    xy = np.asarray(points, dtype=np.float64)
    chosen = [0]
    gap = np.hypot(*(xy - xy[0]).T)
    while len(chosen) < min(k, len(points)):
        nxt = int(np.argmax(gap))
        chosen.append(nxt)
        gap = np.minimum(gap, np.hypot(*(xy - xy[nxt]).T))
    return [points[i] for i in chosen]


def replan_team(
    problem: PlanningProblem,
    plan: Plan,
    provider: MatrixProvider,
    budget: Budget,
    *,
    team: str,
    at: LatLon,
    now: int,
    done: frozenset[str] = frozenset(),
    lunch_taken: bool = False,
    seed: int = 0,
) -> Plan:
    """Re-plan the rest of one team's day from where it is (``at``) and when (``now``).

    For a visit aborted on the way or a promised appointment added during the day (add it to
    ``problem.candidates``): the team may keep, drop or reorder its remaining visits and take
    any candidate no other team has; other teams' routes are not touched. ``done`` are the
    visits already made (or aborted); without ``lunch_taken`` the break is still planned, unless
    it is too late to start it.
    """
    current = next(t for t in problem.teams if t.key == team)
    others = {v.key for r in plan.routes if r.team != team for v in r.visits}
    moved = replace(current, start=at, shift_start=max(now, current.shift_start))
    lunch_left = not lunch_taken and moved.shift_start <= current.lunch_late
    rest = replace(
        problem,
        candidates=[c for c in problem.candidates if c.key not in others | done],
        teams=[moved],
        lunch_spots=problem.lunch_spots if lunch_left else [],
    )
    previous = [r for r in plan.routes if r.team == team]
    start = None
    if previous:
        keep = tuple(
            item
            for item in previous[0].items
            if isinstance(item, PlannedVisit) and item.key not in done and item.start >= now
        )
        start = replace(plan, routes=[replace(previous[0], items=keep)])
    return plan_day(rest, provider, budget, seed=seed, initial=start)
