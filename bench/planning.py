"""Routing benchmark: Solomon VRPTW (PyVRP beside OR-Tools, same run) and a generated city day.

``python -m bench.planning`` prints a markdown section:

* every Solomon 100-client instance (``--instances`` to pick some), ``--seconds`` each (10), by
  our planner's model (``doorstep planning solve-vrptw``: PyVRP 0.14) and by OR-Tools' routing
  solver (guided local search, same truncated integer arcs, same fleet limit), both answers
  re-checked by the independent checker; gap to the best-known ``dist_trunc1`` distance;
* the generated city day (50 teams, 2,000 candidates, 5 branches) planned within
  ``--day-seconds`` (60) and within ``--reference-seconds`` (600), with the value curve, the time
  to the first feasible plan and the independent feasibility check of both plans.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

from bench._machine import Machine

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

from doorstep.planning.engine.citygen import city_day
from doorstep.planning.engine.daybench import DayResult, plan_city_day
from doorstep.planning.engine.search import Budget
from doorstep.planning.engine.solomon import (
    SCALE,
    Instance,
    NoFeasibleSolution,
    check_vrptw,
    read_solomon,
    solve_vrptw,
)

DATA = Path(os.environ.get("DOORSTEP_VRPTW_DIR", "/work/shared/data/vrptw/solomon"))


@dataclass(frozen=True)
class Row:
    name: str
    bks: float
    pyvrp: float | None
    pyvrp_vehicles: int
    ortools: float | None
    ortools_vehicles: int

    @staticmethod
    def gap(value: float | None, bks: float) -> float | None:
        return None if value is None else 100 * (value - bks) / bks


def best_known() -> dict[str, float]:
    with (DATA / "bks.csv").open(encoding="utf-8") as fh:
        return {
            row["instance"]: float(row["distance"])
            for row in csv.DictReader(fh)
            if row["convention"] == "dist_trunc1"
        }


def ortools_vrptw(instance: Instance, seconds: float) -> tuple[list[list[int]], bool]:
    """OR-Tools routing with the textbook VRPTW setup; returns routes and whether it found one."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    arcs = instance.arc_tenths()
    points = [instance.depot, *instance.customers]
    n = len(points)
    manager = pywrapcp.RoutingIndexManager(n, instance.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    def arc(i: int, j: int) -> int:
        return int(arcs[manager.IndexToNode(i), manager.IndexToNode(j)])

    def travel(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(points[a].service * SCALE + arcs[a, b])

    def demand(i: int) -> int:
        return points[manager.IndexToNode(i)].demand

    arc_cb = routing.RegisterTransitCallback(arc)
    routing.SetArcCostEvaluatorOfAllVehicles(arc_cb)
    time_cb = routing.RegisterTransitCallback(travel)
    horizon = instance.depot.due * SCALE
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    clock = routing.GetDimensionOrDie("time")
    for node in range(1, n):
        clock.CumulVar(manager.NodeToIndex(node)).SetRange(
            points[node].ready * SCALE, points[node].due * SCALE
        )
    for v in range(instance.vehicles):
        clock.CumulVar(routing.Start(v)).SetRange(instance.depot.ready * SCALE, horizon)
        clock.CumulVar(routing.End(v)).SetRange(instance.depot.ready * SCALE, horizon)
    demand_cb = routing.RegisterUnaryTransitCallback(demand)
    routing.AddDimensionWithVehicleCapacity(
        demand_cb, 0, [instance.capacity] * instance.vehicles, True, "load"
    )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return [], False
    routes = []
    for v in range(instance.vehicles):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        route = []
        while not routing.IsEnd(index):
            route.append(points[manager.IndexToNode(index)].number)
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes, True


def solomon(names: list[str], seconds: float, seed: int) -> list[Row]:
    bks = best_known()
    rows = []
    for name in names:
        instance = read_solomon(DATA / "txt" / f"{name}.txt")
        ours: float | None
        try:
            answer = solve_vrptw(instance, Budget(seconds=seconds), seed=seed)
            ours, our_vehicles = float(answer["distance"]), int(answer["vehicles"])  # type: ignore[arg-type]
        except NoFeasibleSolution:
            ours, our_vehicles = None, 0
        routes, found = ortools_vrptw(instance, seconds)
        checked = check_vrptw(instance, routes)
        theirs = checked.distance if found and checked.feasible else None
        rows.append(Row(name, bks[name], ours, our_vehicles, theirs, checked.vehicles))
        print(f"{name}: {ours} / {theirs} (bks {bks[name]})", flush=True, file=sys.stderr)
    return rows


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} %"


def solomon_section(rows: list[Row], seconds: float) -> list[str]:
    ours = [Row.gap(r.pyvrp, r.bks) for r in rows]
    theirs = [Row.gap(r.ortools, r.bks) for r in rows]
    our_found = [g for g in ours if g is not None]
    their_found = [g for g in theirs if g is not None]
    lines = [
        f"### Solomon VRPTW, {len(rows)} instances, {seconds:g} s each",
        "",
        "Distance only, arcs truncated to one decimal (DIMACS; the `dist_trunc1` best-known "
        "values of `bks.csv`), at most the file's vehicle number, every answer re-checked by the "
        "independent checker (each client once, capacity, windows, depot due time).",
        "",
        "| solver | feasible answers | average gap | worst gap | within 0.5 % |",
        "|---|---|---|---|---|",
    ]
    for label, found in (
        ("Doorstep (PyVRP 0.14 model)", our_found),
        ("OR-Tools routing, guided local search", their_found),
    ):
        lines.append(
            f"| {label} | {len(found)} / {len(rows)} | "
            f"{pct(statistics.fmean(found) if found else None)} | "
            f"{pct(max(found) if found else None)} | {sum(g <= 0.5 for g in found)} |"
        )
    both = [r for r in rows if r.pyvrp is not None and r.ortools is not None]
    if both:
        mine, other = sum(r.pyvrp or 0 for r in both), sum(r.ortools or 0 for r in both)
        lines += [
            "",
            f"Baseline OR-Tools, same run, same {seconds:g} s per instance: on the {len(both)} "
            f"instances both solved, Doorstep's total distance is **{mine / other:.3f}×** "
            f"OR-Tools' ({mine:,.1f} against {other:,.1f}; below 1×, shorter); Doorstep found a "
            f"feasible answer on {len(our_found)} instances, OR-Tools on {len(their_found)}.",
        ]
    lines += [
        "",
        "<details><summary>Per instance</summary>",
        "",
        "| instance | best known | Doorstep | gap | vehicles | OR-Tools | gap | vehicles |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r, a, b in zip(rows, ours, theirs, strict=True):
        lines.append(
            f"| {r.name} | {r.bks:.1f} | {'—' if r.pyvrp is None else f'{r.pyvrp:.1f}'} | "
            f"{pct(a)} | {r.pyvrp_vehicles or '—'} | "
            f"{'—' if r.ortools is None else f'{r.ortools:.1f}'} | {pct(b)} | "
            f"{r.ortools_vehicles if r.ortools is not None else '—'} |"
        )
    lines += ["", "</details>", ""]
    return lines


def day_section(short: DayResult, long: DayResult) -> list[str]:
    ratio = 100 * short.value / long.value if long.value else 0.0
    lines = [
        f"### Generated city day: {short.teams} teams, {short.candidates} candidates",
        "",
        "`doorstep planning bench-day` (seed 0): five branches, each planned on its own (a "
        "branch's teams visit only its cases, so the decomposition is exact), time shared in "
        "proportion to candidates. Windows, skills, pins, lunch breaks and at most eight visits "
        "per two-person team; both plans re-checked by the independent checker.",
        "",
        "| | budget | first feasible plan | visits planned | value collected (yuan) | check |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in (("plan", short), ("reference", long)):
        check = f"{len(r.violations)} violations" if r.violations else "feasible"
        lines.append(
            f"| {label} | {r.curve[-1][0]:.0f} s | {r.first_feasible:.2f} s | {r.planned} | "
            f"{r.value:,} | {check} |"
        )
    lines += [
        "",
        f"At {short.curve[-1][0]:.0f} s the plan collects **{ratio:.2f} %** of the "
        f"{long.curve[-1][0]:.0f}-second reference value (target ≥ 98 %).",
        "",
        "Value over time: at each share of the budget, the sum over branches of the best value "
        "each branch had reached by then (a branch's search does not depend on its budget, so "
        "this is what a run with that smaller budget returns, up to machine load).",
        "",
        "| share of budget | plan: seconds | value | % of reference | reference: seconds | "
        "value | % of reference |",
        "|---|---|---|---|---|---|---|",
    ]
    for (s1, v1), (s2, v2) in zip(short.curve, long.curve, strict=True):
        share = s1 / short.curve[-1][0]
        lines.append(
            f"| {100 * share:.0f} % | {s1:.1f} | {v1:,} | {100 * v1 / long.value:.2f} % | "
            f"{s2:.1f} | {v2:,} | {100 * v2 / long.value:.2f} % |"
        )
    lines += [
        "",
        "Why candidates were left out (reference plan): "
        + ", ".join(f"{code} {count}" for code, count in long.reasons.items())
        + ".",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.planning")
    parser.add_argument("--instances", help="Comma-separated names (default: all 56).")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--day-seconds", type=float, default=60.0)
    parser.add_argument("--reference-seconds", type=float, default=600.0)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--skip-solomon", action="store_true")
    parser.add_argument("--skip-day", action="store_true")
    args = parser.parse_args()

    names = (
        args.instances.split(",")
        if args.instances
        else sorted(p.stem for p in (DATA / "txt").glob("*.txt"))
    )
    machine = Machine()
    machine.add("PyVRP", version("pyvrp"))
    machine.add("OR-Tools", version("ortools"))
    machine.add("numpy", np.__version__)
    lines = [
        "## bench.planning — visit routing",
        "",
        "Time-limited runs vary with the machine's load (see the load average in the machine "
        "table; the cores may be shared with other work).",
        "",
    ]
    if not args.skip_solomon:
        lines += solomon_section(solomon(names, args.seconds, args.seed), args.seconds)
    if not args.skip_day:
        day = city_day(teams=args.teams, candidates=args.candidates, branches=5, seed=0)
        tic = time.perf_counter()
        short = plan_city_day(day, args.day_seconds, seed=0)
        long = plan_city_day(day, args.reference_seconds, seed=0)
        lines += day_section(short, long)
        lines.append(f"Day benchmark wall time {time.perf_counter() - tic:.0f} s.")
    command = " ".join(sys.argv[1:])
    lines += [
        "",
        f"Command: `python -m bench.planning{' ' + command if command else ''}`.",
        "",
        machine.table(),
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
