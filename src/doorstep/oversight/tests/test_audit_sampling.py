"""The sampler, without a database: reproducible from its seed, exact stratum counts, and
risk weights respected over many draws."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.oversight.audit.sampling import (
    Method,
    SamplingError,
    Unit,
    allocate,
    draw,
    from_snapshot,
    simple,
    snapshot,
    stratified,
    uniform,
    weighted,
)

SEED = bytes.fromhex("5eed" * 16)
POPULATION = [Unit(i, stratum=("XH" if i % 3 else "BJ"), weight=1.0) for i in range(1, 301)]


def test_the_same_seed_and_population_give_the_same_sample_in_any_order() -> None:
    for method in Method:
        first = draw(method, POPULATION, 20, SEED)
        again = draw(method, list(reversed(POPULATION)), 20, SEED)
        assert [unit.id for unit in first] == [unit.id for unit in again]


def test_another_seed_gives_another_sample() -> None:
    assert simple(POPULATION, 20, SEED) != simple(POPULATION, 20, b"other")


def test_the_uniform_number_is_pinned_so_other_tools_can_reproduce_it() -> None:
    # HMAC-SHA256(seed, "42"), first 8 bytes big-endian, (x + 0.5) / 2**64
    import hashlib
    import hmac

    digest = hmac.new(SEED, b"42", hashlib.sha256).digest()
    assert uniform(SEED, 42) == (int.from_bytes(digest[:8], "big") + 0.5) / 2**64
    assert 0 < uniform(SEED, 42) < 1


def test_a_sample_never_repeats_a_unit_and_caps_at_the_population() -> None:
    for method in Method:
        sample = draw(method, POPULATION[:10], 50, SEED)
        assert sorted(unit.id for unit in sample) == list(range(1, 11))


def test_stratum_counts_are_exact() -> None:
    sample = stratified(POPULATION, 30, SEED)
    assert Counter(unit.stratum for unit in sample) == {"XH": 20, "BJ": 10}


def test_allocation_by_largest_remainder() -> None:
    assert allocate({"a": 5, "b": 3, "c": 2}, 4) == {"a": 2, "b": 1, "c": 1}
    assert allocate({"a": 1, "b": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}
    assert allocate({"a": 0, "b": 4}, 10) == {"a": 0, "b": 4}


@given(
    sizes=st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 50), max_size=6),
    n=st.integers(0, 400),
)
def test_allocation_adds_up_and_never_exceeds_a_stratum(sizes: dict[str, int], n: int) -> None:
    counts = allocate(sizes, n)
    assert sum(counts.values()) == min(n, sum(sizes.values()))
    assert all(0 <= counts[name] <= sizes[name] for name in sizes)
    total = sum(sizes.values())
    if total:
        for name, size in sizes.items():  # within one of the exact proportional share
            assert abs(counts[name] - min(n, total) * size / total) < 1


def test_risk_weights_are_respected_over_many_draws() -> None:
    """For a sample of one, a unit of weight w is drawn with probability w / sum(w)."""
    units = [Unit(1, weight=1.0), Unit(2, weight=2.0), Unit(3, weight=7.0)]
    draws = 6000
    counts = Counter(weighted(units, 1, seed.to_bytes(4, "big"))[0].id for seed in range(draws))
    expected = {1: 0.1, 2: 0.2, 3: 0.7}
    chi_square = sum((counts[i] - draws * p) ** 2 / (draws * p) for i, p in expected.items())
    assert chi_square < 13.8  # 2 degrees of freedom, p = 0.001


def test_higher_risk_records_are_sampled_more_often_without_replacement() -> None:
    units = [Unit(i, weight=(5.0 if i <= 10 else 1.0)) for i in range(1, 101)]
    hits = Counter()
    for seed in range(400):
        hits.update(unit.id <= 10 for unit in weighted(units, 10, seed.to_bytes(4, "big")))
    assert hits[True] / (hits[True] + hits[False]) > 0.3  # 10 % of units, a third of the draws


def test_weights_must_be_positive_and_ids_unique() -> None:
    with pytest.raises(SamplingError):
        weighted([Unit(1, weight=0.0)], 1, SEED)
    with pytest.raises(SamplingError):
        simple([Unit(1), Unit(1)], 1, SEED)


def test_the_snapshot_round_trips_sorted_by_id() -> None:
    rows = snapshot(list(reversed(POPULATION[:3])))
    assert rows == [[1, "XH", 1.0], [2, "XH", 1.0], [3, "BJ", 1.0]]
    assert from_snapshot(rows) == POPULATION[:3]
