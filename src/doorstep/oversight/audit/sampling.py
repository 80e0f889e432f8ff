"""Audit samples anyone can reproduce: a pure module (no Django, no global random state).

Every unit of the population gets a uniform number from HMAC-SHA256(seed, unit id), so the
sample depends only on the recorded seed and the population snapshot, on any machine and any
Python version; an external auditor can re-draw it from the two (docs/audit.md).

- ``simple``: the ``n`` units with the smallest numbers (simple random sampling without
  replacement).
- ``stratified``: ``n`` split over the strata in proportion to their sizes by the largest
  remainder method (exact counts that add up to ``n``), then a simple sample in each stratum.
- ``weighted``: without replacement, with inclusion driven by risk weights (Efraimidis and
  Spirakis 2006: key ``u ** (1 / w)``, the ``n`` largest keys; for ``n = 1`` a unit is drawn
  with probability ``w / sum(w)`` exactly).
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Method(StrEnum):
    SIMPLE = "simple"
    STRATIFIED = "stratified"
    WEIGHTED = "weighted"


@dataclass(frozen=True, slots=True)
class Unit:
    """One record of the population: its id, its stratum and its risk weight (≥ 1)."""

    id: int
    stratum: str = ""
    weight: float = 1.0


class SamplingError(ValueError):
    pass


def uniform(seed: bytes, unit_id: int) -> float:
    """A number in (0, 1) fixed by the seed and the unit's id."""
    digest = hmac.new(seed, str(unit_id).encode("ascii"), hashlib.sha256).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2.0**64


def _checked(population: Sequence[Unit], n: int) -> None:
    if n < 0:
        raise SamplingError("the sample size is negative")
    ids = [unit.id for unit in population]
    if len(set(ids)) != len(ids):
        raise SamplingError("the population lists a unit twice")


def simple(population: Sequence[Unit], n: int, seed: bytes) -> list[Unit]:
    _checked(population, n)
    return heapq.nsmallest(n, population, key=lambda unit: (uniform(seed, unit.id), unit.id))


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """Split ``n`` over strata in proportion to ``sizes`` (largest remainder; ties go to the
    larger stratum, then the stratum name), never more than a stratum holds."""
    total = sum(sizes.values())
    n = min(n, total)
    if total == 0:
        return dict.fromkeys(sizes, 0)
    quotas = {name: n * size / total for name, size in sizes.items()}
    counts = {name: math.floor(quota) for name, quota in quotas.items()}
    left = n - sum(counts.values())
    order = sorted(sizes, key=lambda name: (-(quotas[name] - counts[name]), -sizes[name], name))
    for name in order[:left]:
        counts[name] += 1
    return counts


def stratified(population: Sequence[Unit], n: int, seed: bytes) -> list[Unit]:
    _checked(population, n)
    strata: dict[str, list[Unit]] = defaultdict(list)
    for unit in population:
        strata[unit.stratum].append(unit)
    counts = allocate({name: len(units) for name, units in strata.items()}, n)
    drawn: list[Unit] = []
    for name in sorted(strata):
        drawn.extend(simple(strata[name], counts[name], seed))
    return drawn


def weighted(population: Sequence[Unit], n: int, seed: bytes) -> list[Unit]:
    _checked(population, n)
    if any(not unit.weight > 0 for unit in population):
        raise SamplingError("every risk weight is positive")
    # log(u) / w orders like u ** (1 / w) and does not underflow for large weights.
    return heapq.nsmallest(
        n, population, key=lambda unit: (-math.log(uniform(seed, unit.id)) / unit.weight, unit.id)
    )


DRAW = {Method.SIMPLE: simple, Method.STRATIFIED: stratified, Method.WEIGHTED: weighted}


def draw(method: Method, population: Sequence[Unit], n: int, seed: bytes) -> list[Unit]:
    """The sample: units in the order they were drawn (by stratum for a stratified one)."""
    return DRAW[method](population, n, seed)


def snapshot(population: Sequence[Unit]) -> list[list[object]]:
    """The population as recorded and hashed: ``[id, stratum, weight]`` sorted by id."""
    return [[unit.id, unit.stratum, unit.weight] for unit in sorted(population, key=_by_id)]


def from_snapshot(rows: Sequence[Sequence[object]]) -> list[Unit]:
    return [Unit(int(str(row[0])), str(row[1]), float(str(row[2]))) for row in rows]


def _by_id(unit: Unit) -> int:
    return unit.id
