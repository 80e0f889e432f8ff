"""Champion–challenger: which arm a case is in, and how the arms' outcomes compare.

Pure (no Django). The arm is a function of the experiment's seed and the case id only — the
first 8 bytes of SHA-256 of ``"<seed>:<case id>"`` read as a fraction of 2⁶⁴, below the share
goes to the challenger — so a case keeps its arm every night, whatever else is in the book,
and anyone can recompute it.

The comparison gives each arm's rate or mean with a confidence interval and the difference
challenger − champion with its interval and a two-sided p-value:

* proportions (cure rate, kept promises): Wilson score interval per arm; the difference with
  Newcombe's hybrid score interval (his method 10, built from the two Wilson intervals); the
  p-value from the pooled two-proportion z-test;
* amounts (recovered per case): the t interval of each mean; the difference with Welch's
  unequal-variance t interval and test (Welch–Satterthwaite degrees of freedom).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from scipy import stats  # type: ignore[import-untyped]

CHAMPION = "champion"
CHALLENGER = "challenger"
ARMS = (CHAMPION, CHALLENGER)
SCALE = float(2**64)


def arm_fraction(seed: int, case_id: int) -> float:
    digest = hashlib.sha256(f"{seed}:{case_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / SCALE


def arm_of(seed: int, case_id: int, share: float) -> str:
    """The arm of ``case_id``: the challenger for a ``share`` of cases, stable for a seed."""
    return CHALLENGER if arm_fraction(seed, case_id) < share else CHAMPION


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (``(0, 1)`` when there are no trials)."""
    if n == 0:
        return (0.0, 1.0)
    z = _z(confidence)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    n: int


@dataclass(frozen=True)
class Difference:
    value: float | None
    low: float | None
    high: float | None
    p_value: float | None


def proportion(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    if n == 0:
        return Estimate(None, None, None, 0)
    low, high = wilson(successes, n, confidence)
    return Estimate(successes / n, low, high, n)


def proportion_difference(
    s1: int, n1: int, s2: int, n2: int, confidence: float = 0.95
) -> Difference:
    """p2 − p1 (arm 2 minus arm 1) with Newcombe's hybrid score interval and the pooled
    z-test p-value."""
    if n1 == 0 or n2 == 0:
        return Difference(None, None, None, None)
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson(s1, n1, confidence)
    l2, u2 = wilson(s2, n2, confidence)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p_value = 1.0 if se == 0 else float(2 * stats.norm.sf(abs(d) / se))
    return Difference(d, low, high, p_value)


def mean(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    n = len(values)
    if n == 0:
        return Estimate(None, None, None, 0)
    m = math.fsum(values) / n
    if n == 1:
        return Estimate(m, None, None, 1)
    sd = math.sqrt(math.fsum((v - m) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Estimate(m, m - half, m + half, n)


def mean_difference(
    first: Sequence[float], second: Sequence[float], confidence: float = 0.95
) -> Difference:
    """mean(second) − mean(first) with Welch's t interval and two-sided p-value."""
    n1, n2 = len(first), len(second)
    if n1 < 2 or n2 < 2:
        return Difference(None, None, None, None)
    m1, m2 = math.fsum(first) / n1, math.fsum(second) / n2
    v1 = math.fsum((v - m1) ** 2 for v in first) / (n1 - 1)
    v2 = math.fsum((v - m2) ** 2 for v in second) / (n2 - 1)
    a, b = v1 / n1, v2 / n2
    d = m2 - m1
    se = math.sqrt(a + b)
    if se == 0:
        return Difference(d, d, d, 1.0 if d == 0 else 0.0)
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    q = float(stats.t.ppf(0.5 + confidence / 2, df))
    p_value = float(2 * stats.t.sf(abs(d) / se, df))
    return Difference(d, d - q * se, d + q * se, p_value)


@dataclass(frozen=True)
class ArmOutcomes:
    """What happened to one arm's cases in the N days after they were assigned."""

    cured: Sequence[bool]  # one per case
    recovered: Sequence[float]  # yuan paid per case
    promises_kept: int  # promises judged kept (in full)
    promises_judged: int  # promises judged kept, partly kept or broken


def compare(arms: dict[str, ArmOutcomes], confidence: float = 0.95) -> dict[str, Any]:
    """Each arm's cure rate, recovered amount per case and kept-promise rate with intervals,
    and challenger − champion for each with its interval and p-value."""
    out: dict[str, Any] = {"confidence": confidence, "arms": {}, "difference": {}}
    for arm in ARMS:
        data = arms[arm]
        out["arms"][arm] = {
            "cases": len(data.cured),
            "cure_rate": asdict(proportion(sum(data.cured), len(data.cured), confidence)),
            "recovered_per_case": asdict(mean(list(data.recovered), confidence)),
            "recovered_total": math.fsum(data.recovered),
            "kept_promise_rate": asdict(
                proportion(data.promises_kept, data.promises_judged, confidence)
            ),
        }
    a, b = arms[CHAMPION], arms[CHALLENGER]
    out["difference"] = {
        "cure_rate": asdict(
            proportion_difference(
                sum(a.cured), len(a.cured), sum(b.cured), len(b.cured), confidence
            )
        ),
        "recovered_per_case": asdict(
            mean_difference(list(a.recovered), list(b.recovered), confidence)
        ),
        "kept_promise_rate": asdict(
            proportion_difference(
                a.promises_kept, a.promises_judged, b.promises_kept, b.promises_judged, confidence
            )
        ),
    }
    return out
