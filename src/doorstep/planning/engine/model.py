"""The one place that turns a routing problem into PyVRP 0.14 ``ProblemData``.

Both the Solomon benchmark reader and the visit planner describe their problem as a
:class:`RoutingSpec` (plain integers: time units, distance units, prizes) and call
:func:`build_data`, so the benchmark measures the very model-building code the planner uses.

Why ``ProblemData`` and not ``pyvrp.Model.add_edge``: a planning day has thousands of
locations, and PyVRP's ``Model`` stores one Python ``Edge`` object per matrix cell; building the
numpy matrices directly is the same model without millions of objects.

Modelling choices that PyVRP 0.14 has no native feature for:

* **Skills and pins** are routing profiles. Every distinct skill set of a fleet gets a profile
  whose matrices make the clients needing a skill outside the set unreachable (``UNREACHABLE``
  duration on every edge into and out of them), so a route that visits one carries a huge time
  warp and is never feasible. A pin is the skill ``pin:<fleet>`` that only that fleet has.
* **Several time windows** for one visit are copies of the client in a mutually exclusive,
  optional client group: at most one copy is served, and the prize counts once.
* **Lunch break**: each vehicle of a fleet with a break must serve exactly one break client.
  The breaks are clients at the fleet's lunch spots, with the break window as time window and
  the break length as service time. Each vehicle gets a required, mutually exclusive group of
  break clients (one per spot), and a load dimension of capacity one that every break fills,
  so that no route takes two breaks and therefore every route takes exactly one. The detour to
  the lunch spot is real travel, counted in the route's time and distance.
* **Maximum visits per vehicle** is a load dimension where every visit weighs one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from pyvrp import Client, ClientGroup, Depot, Location, ProblemData, VehicleType

UNREACHABLE = 1_000_000_000
"""Duration and distance of an edge a profile forbids: far beyond any horizon (a day is 86,400
seconds), yet small enough that time warp times PyVRP's largest penalty cannot overflow."""

Matrix = NDArray[np.int64]


@dataclass(frozen=True)
class Stop:
    """Something a vehicle may serve: a visit (one of its windows) or a lunch break."""

    location: int  # index into the spec's matrices
    service: int
    tw_early: int
    tw_late: int  # latest start of service
    prize: int = 0
    required: bool = True
    delivery: tuple[int, ...] = ()
    skills: frozenset[str] = frozenset()
    key: str = ""  # caller's identifier, carried to the decoded routes


@dataclass(frozen=True)
class Fleet:
    """Identical vehicles (for the planner: one team each) from one depot to another."""

    count: int
    start_depot: int  # index into ``RoutingSpec.depots``
    end_depot: int
    tw_early: int
    tw_late: int
    capacity: tuple[int, ...] = ()
    skills: frozenset[str] = frozenset()
    lunch_spots: tuple[int, ...] = ()  # locations; empty = no break
    lunch_early: int = 0
    lunch_late: int = 0
    lunch_length: int = 0
    name: str = ""

    @property
    def has_break(self) -> bool:
        return bool(self.lunch_spots) and self.lunch_length > 0


@dataclass
class RoutingSpec:
    """Depot locations, stops, fleets and the travel matrices between locations."""

    coords: list[tuple[float, float]]
    depots: list[int]  # location index of each depot
    stops: list[Stop]
    fleets: list[Fleet]
    distance: Matrix
    duration: Matrix
    groups: list[list[int]] = field(default_factory=list)  # indices into ``stops``
    unit_distance_cost: int = 1
    unit_duration_cost: int = 0


@dataclass(frozen=True)
class Built:
    """The PyVRP data and how its clients map back to the spec.

    ``client_stop[c]`` is the spec stop of PyVRP client ``c`` (``None`` for a break) and
    ``client_break[c]`` the vehicle type whose break it is (``None`` for a visit).
    """

    data: ProblemData
    client_stop: list[int | None]
    client_break: list[int | None]


def _profile_matrices(spec: RoutingSpec, skills: frozenset[str]) -> tuple[Matrix, Matrix]:
    dist = spec.distance.copy()
    dur = spec.duration.copy()
    forbidden = sorted({s.location for s in spec.stops if not s.skills <= skills})
    if forbidden:
        idx = np.asarray(forbidden, dtype=np.int64)
        for matrix in (dist, dur):
            matrix[idx, :] = UNREACHABLE
            matrix[:, idx] = UNREACHABLE
            matrix[idx, idx] = 0
    return dist, dur


def _dims(spec: RoutingSpec) -> int:
    dims = max([len(s.delivery) for s in spec.stops] + [len(f.capacity) for f in spec.fleets] + [0])
    if any(f.has_break for f in spec.fleets):
        dims += 1
    return dims


def _padded(values: Sequence[int], dims: int, fill: int) -> list[int]:
    return list(values) + [fill] * (dims - len(values))


def build_data(spec: RoutingSpec) -> Built:
    """PyVRP data for ``spec``: profiles per skill set, groups, breaks, load dimensions."""
    dims = _dims(spec)
    has_breaks = any(f.has_break for f in spec.fleets)
    load_dims = dims - 1 if has_breaks else dims
    big = int(np.iinfo(np.int64).max // 4)

    skill_sets: list[frozenset[str]] = []
    for fleet in spec.fleets:
        if fleet.skills not in skill_sets:
            skill_sets.append(fleet.skills)
    matrices = [_profile_matrices(spec, skills) for skills in skill_sets]

    locations = [Location(x=x, y=y) for x, y in spec.coords]
    depots = [Depot(location=loc) for loc in spec.depots]

    in_group: dict[int, int] = {}
    for g, members in enumerate(spec.groups):
        for member in members:
            in_group[member] = g
    groups = [ClientGroup(required=False) for _ in spec.groups]

    clients: list[Client] = []
    client_stop: list[int | None] = []
    client_break: list[int | None] = []
    for i, stop in enumerate(spec.stops):
        group = in_group.get(i)
        if group is not None:
            groups[group].add_client(len(clients))
        delivery = _padded(stop.delivery, load_dims, 0) + ([0] if has_breaks else [])
        clients.append(
            Client(
                location=stop.location,
                delivery=delivery,
                service_duration=stop.service,
                tw_early=stop.tw_early,
                tw_late=stop.tw_late,
                prize=stop.prize,
                required=stop.required and group is None,
                group=group,
                name=stop.key,
            )
        )
        client_stop.append(i)
        client_break.append(None)

    vehicle_types: list[VehicleType] = []
    for t, fleet in enumerate(spec.fleets):
        capacity = _padded(fleet.capacity, load_dims, big)
        if has_breaks:
            capacity.append(1 if fleet.has_break else 0)
        vehicle_types.append(
            VehicleType(
                num_available=fleet.count,
                capacity=capacity,
                start_depot=fleet.start_depot,
                end_depot=fleet.end_depot,
                tw_early=fleet.tw_early,
                tw_late=fleet.tw_late,
                unit_distance_cost=spec.unit_distance_cost,
                unit_duration_cost=spec.unit_duration_cost,
                profile=skill_sets.index(fleet.skills),
                name=fleet.name,
            )
        )
        if not fleet.has_break:
            continue
        for _vehicle in range(fleet.count):
            lunch = ClientGroup(required=True)
            groups.append(lunch)
            for spot in fleet.lunch_spots:
                lunch.add_client(len(clients))
                clients.append(
                    Client(
                        location=spot,
                        delivery=[0] * load_dims + [1],
                        service_duration=fleet.lunch_length,
                        tw_early=fleet.lunch_early,
                        tw_late=fleet.lunch_late,
                        required=False,
                        group=len(groups) - 1,
                        name=f"break:{t}",
                    )
                )
                client_stop.append(None)
                client_break.append(t)

    data = ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[m[0] for m in matrices],  # type: ignore[misc]
        duration_matrices=[m[1] for m in matrices],  # type: ignore[misc]
        groups=groups,
    )
    return Built(data=data, client_stop=client_stop, client_break=client_break)
