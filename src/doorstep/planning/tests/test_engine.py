"""The pure routing core: Solomon reader and checker, the planner's model and its independent
feasibility check. Budgets are iteration counts so results do not depend on machine load."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from doorstep.planning.engine.check import check_plan
from doorstep.planning.engine.citygen import city_day
from doorstep.planning.engine.matrix import HaversineProvider, haversine_metres
from doorstep.planning.engine.problem import (
    HOUR,
    Candidate,
    Plan,
    PlannedBreak,
    PlanningProblem,
    Team,
    TeamRoute,
    Window,
    plan_day,
    replan_team,
)
from doorstep.planning.engine.search import Budget
from doorstep.planning.engine.solomon import (
    SolomonFormatError,
    check_vrptw,
    read_solomon,
    solve_vrptw,
)

SOLOMON = Path("/work/shared/data/vrptw/solomon/txt")
needs_solomon = pytest.mark.skipif(not SOLOMON.exists(), reason="Solomon data not on this machine")
PROVIDER = HaversineProvider()
BRANCH = (30.2592, 120.13)
FEW = Budget(iterations=300)


def small_day(**changes: object) -> PlanningProblem:
    problem = city_day(teams=4, candidates=60, branches=1, seed=3, spots=3).branches[0]
    return dataclasses.replace(problem, **changes)  # type: ignore[arg-type]


def team(key: str, **changes: object) -> Team:
    base = Team(
        key=key,
        members=(f"{key}-a", f"{key}-b"),
        start=BRANCH,
        end=BRANCH,
        shift_start=8 * HOUR + 1800,
        shift_end=17 * HOUR + 1800,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def visit(key: str, north_km: float, **changes: object) -> Candidate:
    base = Candidate(
        key=key,
        at=(BRANCH[0] + north_km / 111.0, BRANCH[1]),
        value=1000,
        service=45 * 60,
        windows=(Window(9 * HOUR, 17 * HOUR),),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Solomon


@needs_solomon
def test_solomon_reader_reads_depot_vehicles_and_all_customers() -> None:
    instance = read_solomon(SOLOMON / "C101.txt")
    assert (instance.name, instance.vehicles, instance.capacity) == ("C101", 25, 200)
    assert (instance.depot.x, instance.depot.y, instance.depot.due) == (40.0, 50.0, 1236)
    assert len(instance.customers) == 100
    assert (instance.customers[0].number, instance.customers[0].service) == (1, 90)


def test_solomon_reader_names_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("X\nVEHICLE\nNUMBER CAPACITY\n25 200\nCUSTOMER\nhead\n0 1 2 3\n")
    with pytest.raises(SolomonFormatError, match="7 numbers"):
        read_solomon(bad)


@needs_solomon
def test_solve_vrptw_returns_feasible_routes_with_truncated_distance() -> None:
    instance = read_solomon(SOLOMON / "C101.txt")
    answer = solve_vrptw(instance, Budget(iterations=400), seed=1)
    routes = answer["routes"]
    assert isinstance(routes, list)
    assert sorted(n for route in routes for n in route) == list(range(1, 101))
    checked = check_vrptw(instance, routes)
    assert checked.feasible
    assert answer["distance"] == checked.distance
    assert answer["vehicles"] == len(routes) <= 25
    assert answer["distance"] >= 827.3  # the proven optimum under this convention


@needs_solomon
def test_vrptw_checker_flags_late_arrival_and_overload() -> None:
    instance = read_solomon(SOLOMON / "C101.txt")
    one_route = [[c.number for c in instance.customers]]
    problems = check_vrptw(instance, one_route).problems
    assert any("due" in p for p in problems)
    assert any("capacity" in p for p in problems)


# --------------------------------------------------------------------------------------------
# Travel


def test_haversine_matches_a_known_distance_and_travel_is_never_underestimated() -> None:
    hangzhou, shanghai = (30.2741, 120.1551), (31.2304, 121.4737)
    metres = haversine_metres([hangzhou, shanghai])[0, 1]
    assert 164_000 < metres < 166_000
    travel = HaversineProvider(circuity=1.0, speed_kmh=36.0).matrix([hangzhou, shanghai])
    assert travel.metres[0, 1] >= metres
    assert travel.seconds[0, 1] == int(np.ceil(travel.metres[0, 1] / 10))


# --------------------------------------------------------------------------------------------
# The planner's model


def test_generated_day_plan_passes_the_independent_check() -> None:
    problem = small_day()
    plan = plan_day(problem, PROVIDER, FEW, seed=0)
    assert plan.feasible
    assert plan.routes
    assert check_plan(problem, plan, PROVIDER) == []
    planned = {v.key for r in plan.routes for v in r.visits}
    assert planned | set(plan.unvisited) == {c.key for c in problem.candidates}
    assert not planned & set(plan.unvisited)


def test_same_seed_and_iteration_budget_give_the_same_plan() -> None:
    problem = small_day()
    first = plan_day(problem, PROVIDER, FEW, seed=7)
    second = plan_day(problem, PROVIDER, FEW, seed=7)
    assert first.routes == second.routes


def test_every_team_with_visits_takes_one_lunch_break_inside_its_window() -> None:
    problem = PlanningProblem(
        candidates=[visit(f"v{i}", 0.5 * i) for i in range(1, 9)],
        teams=[team("T1")],
        lunch_spots=[BRANCH],
    )
    plan = plan_day(problem, PROVIDER, FEW)
    (route,) = plan.routes
    breaks = [item for item in route.items if isinstance(item, PlannedBreak)]
    assert len(breaks) == 1
    assert 11 * HOUR + 1800 <= breaks[0].start <= 13 * HOUR
    assert breaks[0].end - breaks[0].start == HOUR
    for item in route.items:  # nothing overlaps the break
        if item is not breaks[0]:
            assert item.end <= breaks[0].start or item.start >= breaks[0].end
    assert check_plan(problem, plan, PROVIDER) == []


def test_checker_reports_a_route_without_its_lunch_break() -> None:
    problem = PlanningProblem(
        candidates=[visit(f"v{i}", 0.5 * i) for i in range(1, 5)],
        teams=[team("T1")],
        lunch_spots=[BRANCH],
    )
    plan = plan_day(problem, PROVIDER, FEW)
    (route,) = plan.routes
    no_lunch = dataclasses.replace(
        route, items=tuple(i for i in route.items if not isinstance(i, PlannedBreak))
    )
    broken = dataclasses.replace(plan, routes=[no_lunch])
    assert "team T1: 0 lunch breaks instead of one" in check_plan(problem, broken, PROVIDER)


def test_skilled_visits_go_only_to_teams_with_the_skill() -> None:
    candidates = [visit(f"v{i}", 0.7 * i) for i in range(1, 9)] + [
        visit(f"legal{i}", 0.6 * i, skills=frozenset({"legal"})) for i in range(1, 4)
    ]
    problem = PlanningProblem(
        candidates=candidates,
        teams=[team("T1"), team("T2", skills=frozenset({"legal"}))],
        lunch_spots=[BRANCH],
    )
    plan = plan_day(problem, PROVIDER, FEW)
    by_team = {r.team: {v.key for v in r.visits} for r in plan.routes}
    assert {"legal1", "legal2", "legal3"} <= by_team["T2"]
    assert not any(k.startswith("legal") for k in by_team.get("T1", set()))
    assert check_plan(problem, plan, PROVIDER) == []


def test_the_checker_flags_a_visit_given_to_a_team_without_the_skill() -> None:
    problem = PlanningProblem(
        candidates=[visit("legal1", 1.0, skills=frozenset({"legal"}))],
        teams=[team("T1")],
        lunch_spots=[BRANCH],
    )
    item = plan_day(
        dataclasses.replace(problem, teams=[team("T1", skills=frozenset({"legal"}))]),
        PROVIDER,
        FEW,
    ).routes[0]
    forged = Plan(routes=[item], unvisited={}, value=0, metres=0, feasible=True)
    assert "legal1 needs ['legal']" in check_plan(problem, forged, PROVIDER)


def test_a_visit_no_team_can_make_is_explained() -> None:
    problem = PlanningProblem(
        candidates=[
            visit("legal", 1.0, skills=frozenset({"legal"})),
            visit("closed", 1.0, windows=()),
            visit("holiday", 1.0, blocked_by=("CN-HOL-01",)),
            visit("faraway", 300.0),
            visit("pinned", 1.0, pinned_team="T9"),
            visit("ok", 1.0),
        ],
        teams=[team("T1")],
        lunch_spots=[BRANCH],
        forbidden=frozenset({"ok"}),
    )
    plan = plan_day(problem, PROVIDER, FEW)
    reasons = {k: (u.code, u.rules) for k, u in plan.unvisited.items()}
    assert reasons == {
        "legal": ("no_skill", ()),
        "closed": ("no_window", ()),
        "holiday": ("blocked", ("CN-HOL-01",)),
        "faraway": ("outside_shift", ()),
        "pinned": ("no_skill", ()),
        "ok": ("forbidden", ()),
    }
    assert plan.routes == []


def test_when_not_everything_fits_the_low_value_visits_are_left_out() -> None:
    cheap = [visit(f"cheap{i}", 0.4 * i, value=10) for i in range(1, 6)]
    dear = [visit(f"dear{i}", 0.4 * i + 0.2, value=5000) for i in range(1, 6)]
    problem = PlanningProblem(
        candidates=cheap + dear,
        teams=[team("T1", max_visits=5)],
        lunch_spots=[BRANCH],
    )
    plan = plan_day(problem, PROVIDER, FEW)
    assert {v.key for r in plan.routes for v in r.visits} == {f"dear{i}" for i in range(1, 6)}
    assert {plan.unvisited[f"cheap{i}"].code for i in range(1, 6)} == {"not_chosen"}


def test_a_pinned_visit_lands_on_its_team_and_a_second_window_is_used() -> None:
    problem = PlanningProblem(
        candidates=[
            visit("pin", 2.0, pinned_team="T2"),
            visit(
                "late", 1.0, windows=(Window(9 * HOUR, 9 * HOUR + 10), Window(15 * HOUR, 17 * HOUR))
            ),
            *[visit(f"v{i}", 0.3 * i) for i in range(1, 4)],
        ],
        teams=[team("T1"), team("T2")],
        lunch_spots=[BRANCH],
    )
    plan = plan_day(problem, PROVIDER, FEW)
    where = {v.key: (r.team, v.start) for r in plan.routes for v in r.visits}
    assert where["pin"][0] == "T2"
    assert where["late"][1] >= 15 * HOUR
    assert check_plan(problem, plan, PROVIDER) == []


def test_a_promised_appointment_beats_any_ordinary_visit() -> None:
    problem = PlanningProblem(
        candidates=[
            visit("promise", 4.0, value=1, promised=True, windows=(Window(14 * HOUR, 15 * HOUR),)),
            *[visit(f"v{i}", 0.2 * i, value=9000) for i in range(1, 8)],
        ],
        teams=[team("T1", max_visits=3)],
        lunch_spots=[BRANCH],
    )
    plan = plan_day(problem, PROVIDER, FEW)
    assert "promise" in {v.key for r in plan.routes for v in r.visits}


def test_reoptimising_from_a_plan_drops_what_was_forbidden_since() -> None:
    problem = small_day()
    first = plan_day(problem, PROVIDER, FEW)
    victim = first.routes[0].visits[0].key
    again = plan_day(
        dataclasses.replace(problem, forbidden=frozenset({victim})),
        PROVIDER,
        Budget(iterations=50),
        initial=first,
    )
    assert again.unvisited[victim].code == "forbidden"
    assert check_plan(problem, again, PROVIDER) == []


def test_checker_enforces_the_two_person_team_rule() -> None:
    problem = PlanningProblem(
        candidates=[visit("v1", 1.0)],
        teams=[team("T1", members=("solo", "solo"))],
        lunch_spots=[BRANCH],
    )
    empty = Plan(
        routes=[TeamRoute("T1", (), 0, 0, 0)], unvisited={}, value=0, metres=0, feasible=True
    )
    assert "team T1: fewer than 2 people (CN-TEAM-01)" in check_plan(problem, empty, PROVIDER)


def test_a_team_replans_the_rest_of_its_day_from_where_it_is() -> None:
    problem = PlanningProblem(
        candidates=[visit(f"v{i}", 0.6 * i) for i in range(1, 7)],
        teams=[team("T1")],
        lunch_spots=[BRANCH],
    )
    plan = plan_day(problem, PROVIDER, FEW)
    (route,) = plan.routes
    first, aborted = route.visits[0], route.visits[1]
    appointment = visit("promise", 1.5, promised=True, windows=(Window(15 * HOUR, 16 * HOUR),))
    later = dataclasses.replace(problem, candidates=[*problem.candidates, appointment])
    now = aborted.start + 600
    where = next(c.at for c in problem.candidates if c.key == aborted.key)
    done = frozenset({first.key, aborted.key})
    replanned = replan_team(later, plan, PROVIDER, FEW, team="T1", at=where, now=now, done=done)
    (rest,) = replanned.routes
    keys = [v.key for v in rest.visits]
    assert "promise" in keys
    assert first.key not in keys
    assert aborted.key not in keys
    assert all(v.start >= now for v in rest.visits)
    assert rest.depart >= now
    from_here = dataclasses.replace(
        later,
        candidates=[c for c in later.candidates if c.key not in done],
        teams=[dataclasses.replace(problem.teams[0], start=where, shift_start=now)],
    )
    assert check_plan(from_here, replanned, PROVIDER) == []


def test_with_no_team_on_shift_every_candidate_says_so() -> None:
    problem = PlanningProblem(
        candidates=[visit("a", 1.0), visit("b", 1.0, blocked_by=("CN-HOL-01",))],
        teams=[],
        lunch_spots=[BRANCH],
    )
    plan = plan_day(problem, PROVIDER, FEW)
    assert plan.routes == []
    assert {k: u.code for k, u in plan.unvisited.items()} == {"a": "no_team", "b": "blocked"}
