"""Solomon VRPTW instances (the classic text layout) for ``doorstep planning solve-vrptw``.

Convention (DIMACS 2021, the ``dist_trunc1`` rows of ``bks.csv``): every arc's distance and
travel time is the Euclidean distance truncated to one decimal. We work in tenths (times, time
windows and service times scaled by ten) so all arithmetic is in integers, and report distances
divided by ten. All clients are mandatory, at most the file's vehicle number is used, and only
distance is minimised (no fixed vehicle cost).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from doorstep.planning.engine.model import Fleet, RoutingSpec, Stop, build_data
from doorstep.planning.engine.search import Budget, run

SCALE = 10


class SolomonFormatError(ValueError):
    """The file is not in the Solomon text layout; the message says where."""


@dataclass(frozen=True)
class Customer:
    number: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class Instance:
    name: str
    vehicles: int
    capacity: int
    depot: Customer
    customers: list[Customer]

    def arc_tenths(self) -> np.ndarray:
        """Truncated arc lengths in tenths, rows and columns in file order (depot first)."""
        points = [self.depot, *self.customers]
        xy = np.array([[p.x, p.y] for p in points], dtype=np.float64)
        diff = xy[:, None, :] - xy[None, :, :]
        arcs: np.ndarray = (np.sqrt((diff**2).sum(axis=2)) * SCALE).astype(np.int64)
        return arcs


def read_solomon(path: str | Path) -> Instance:
    """Parse a Solomon file: name, ``VEHICLE`` block, ``CUSTOMER`` table (depot is number 0)."""
    lines = [line.strip() for line in Path(path).read_text(encoding="ascii").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise SolomonFormatError("empty file")
    try:
        vehicle_at = next(i for i, line in enumerate(lines) if line.upper().startswith("VEHICLE"))
        customer_at = next(i for i, line in enumerate(lines) if line.upper().startswith("CUSTOMER"))
    except StopIteration as exc:
        raise SolomonFormatError("missing the VEHICLE or CUSTOMER section") from exc
    try:
        vehicles, capacity = (int(v) for v in lines[vehicle_at + 2].split()[:2])
    except (IndexError, ValueError) as exc:
        raise SolomonFormatError("the line after NUMBER CAPACITY must hold two integers") from exc
    rows: list[Customer] = []
    for line in lines[customer_at + 2 :]:
        fields = line.split()
        if len(fields) != 7:
            raise SolomonFormatError(f"customer line needs 7 numbers: {line!r}")
        try:
            number, demand, ready, due, service = (int(float(fields[i])) for i in (0, 3, 4, 5, 6))
            rows.append(
                Customer(number, float(fields[1]), float(fields[2]), demand, ready, due, service)
            )
        except ValueError as exc:
            raise SolomonFormatError(f"not a number in customer line {line!r}") from exc
    if not rows or rows[0].number != 0:
        raise SolomonFormatError("the first customer line must be the depot, number 0")
    return Instance(lines[0], vehicles, capacity, rows[0], rows[1:])


def solomon_spec(instance: Instance) -> RoutingSpec:
    """The instance as a routing spec: location 0 the depot, location i the i-th customer."""
    arcs = instance.arc_tenths()
    depot = instance.depot
    stops = [
        Stop(
            location=i + 1,
            service=c.service * SCALE,
            tw_early=c.ready * SCALE,
            tw_late=c.due * SCALE,
            delivery=(c.demand,),
            key=str(c.number),
        )
        for i, c in enumerate(instance.customers)
    ]
    fleet = Fleet(
        count=instance.vehicles,
        start_depot=0,
        end_depot=0,
        tw_early=depot.ready * SCALE,
        tw_late=depot.due * SCALE,
        capacity=(instance.capacity,),
    )
    coords = [(depot.x, depot.y)] + [(c.x, c.y) for c in instance.customers]
    return RoutingSpec(
        coords=coords,
        depots=[0],
        stops=stops,
        fleets=[fleet],
        distance=arcs,
        duration=arcs.copy(),
    )


@dataclass(frozen=True)
class VrptwCheck:
    """The result of checking routes against an instance without the solver."""

    distance: float
    vehicles: int
    problems: list[str]

    @property
    def feasible(self) -> bool:
        return not self.problems


def check_vrptw(instance: Instance, routes: list[list[int]]) -> VrptwCheck:
    """Independent check: each client once, capacity, windows, depot due time, fleet size.

    Arrival at a client later than its due time is a violation; earlier means waiting. Uses the
    same truncated arcs as the objective, recomputed here from the coordinates.
    """
    arcs = instance.arc_tenths()
    by_number = {c.number: (i + 1, c) for i, c in enumerate(instance.customers)}
    problems: list[str] = []
    seen: list[int] = [n for route in routes for n in route]
    missing = sorted(set(by_number) - set(seen))
    if missing:
        problems.append(f"clients not visited: {missing[:10]}")
    duplicates = sorted({n for n in seen if seen.count(n) > 1})
    if duplicates:
        problems.append(f"clients visited twice: {duplicates[:10]}")
    unknown = sorted(set(seen) - set(by_number))
    if unknown:
        problems.append(f"no such clients: {unknown[:10]}")
        return VrptwCheck(0.0, len(routes), problems)
    used = [route for route in routes if route]
    if len(used) > instance.vehicles:
        problems.append(f"{len(used)} routes, the file allows {instance.vehicles}")
    total = 0
    for r, route in enumerate(used):
        time = instance.depot.ready * SCALE
        load = 0
        at = 0
        for number in route:
            row, c = by_number[number]
            total += int(arcs[at, row])
            time = max(time + int(arcs[at, row]), c.ready * SCALE)
            if time > c.due * SCALE:
                problems.append(f"route {r}: client {number} starts at {time / SCALE} > due")
            time += c.service * SCALE
            load += c.demand
            at = row
        total += int(arcs[at, 0])
        if time + int(arcs[at, 0]) > instance.depot.due * SCALE:
            problems.append(f"route {r}: back at the depot after its due time")
        if load > instance.capacity:
            problems.append(f"route {r}: load {load} > capacity {instance.capacity}")
    return VrptwCheck(total / SCALE, len(used), problems)


def solve_vrptw(instance: Instance, budget: Budget, *, seed: int = 0) -> dict[str, object]:
    """The benchmark answer: routes as file client numbers, truncated distance, vehicles used.

    The distance is recomputed by :func:`check_vrptw` from the routes, not taken from the
    solver; an infeasible answer (none found in the budget) raises rather than print a number.
    """
    built = build_data(solomon_spec(instance))
    outcome = run(built, budget, seed=seed)
    routes = [
        [instance.customers[activity.idx].number for activity in route if activity.is_client()]
        for route in outcome.best.routes()
    ]
    routes = [route for route in routes if route]
    checked = check_vrptw(instance, routes)
    if not checked.feasible:
        raise NoFeasibleSolution("; ".join(checked.problems))
    return {"routes": routes, "distance": checked.distance, "vehicles": checked.vehicles}


class NoFeasibleSolution(RuntimeError):
    """The solver found no feasible solution within its budget."""
