"""The champion–challenger maths, without Django: a stable hash split that matches its share,
and intervals and tests checked by hand and against statsmodels and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped]

from doorstep.scoring import abtest


def test_a_case_keeps_its_arm_whatever_the_order_or_the_rest_of_the_book() -> None:
    ids = list(range(1, 5001))
    first = {i: abtest.arm_of(7, i, 0.2) for i in ids}
    shuffled = list(reversed(ids[1000:]))  # another night: fewer cases, another order
    second = {i: abtest.arm_of(7, i, 0.2) for i in shuffled}
    assert all(second[i] == first[i] for i in shuffled)
    other_seed = {i: abtest.arm_of(8, i, 0.2) for i in ids}
    assert other_seed != first  # the seed matters


@pytest.mark.parametrize(("seed", "share"), [(0, 0.1), (42, 0.2), (9, 0.5)])
def test_the_challenger_gets_its_share_of_cases_within_tolerance(seed: int, share: float) -> None:
    n = 40_000
    got = sum(abtest.arm_of(seed, i, share) == abtest.CHALLENGER for i in range(1, n + 1)) / n
    sd = (share * (1 - share) / n) ** 0.5
    assert abs(got - share) < 4 * sd  # 4 binomial standard deviations: 0.006 at 0.5


def test_a_larger_share_only_moves_cases_into_the_challenger_arm() -> None:
    small = {i for i in range(1, 3001) if abtest.arm_of(3, i, 0.1) == abtest.CHALLENGER}
    large = {i for i in range(1, 3001) if abtest.arm_of(3, i, 0.3) == abtest.CHALLENGER}
    assert small < large


def test_wilson_interval_by_hand() -> None:
    # 8 of 10, z = 1.959964: centre = (0.8 + z²/20) / (1 + z²/10) = 0.99207 / 1.38415 = 0.71673;
    # half = z / 1.38415 × √(0.8 × 0.2 / 10 + z² / 400) = 1.41600 × 0.16001 = 0.22658.
    low, high = abtest.wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    assert abtest.wilson(0, 0) == (0.0, 1.0)


def test_proportions_agree_with_statsmodels() -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    for s1, n1, s2, n2 in [(30, 200, 45, 210), (5, 40, 2, 38), (400, 1000, 380, 1000)]:
        assert abtest.wilson(s1, n1) == pytest.approx(
            proportion.proportion_confint(s1, n1, method="wilson"), abs=1e-9
        )
        diff = abtest.proportion_difference(s1, n1, s2, n2)
        low, high = proportion.confint_proportions_2indep(
            s2, n2, s1, n1, method="newcomb", compare="diff"
        )
        assert diff.value == pytest.approx(s2 / n2 - s1 / n1)
        assert (diff.low, diff.high) == pytest.approx((low, high), abs=1e-9)
        _, p_value = proportion.proportions_ztest([s2, s1], [n2, n1])
        assert diff.p_value == pytest.approx(p_value, rel=1e-9)


def test_amounts_agree_with_scipy_and_statsmodels_welch() -> None:
    weightstats = pytest.importorskip("statsmodels.stats.weightstats")
    rng = np.random.default_rng(5)
    champion = rng.gamma(0.6, 900, 300) * (rng.uniform(size=300) < 0.4)
    challenger = rng.gamma(0.6, 1100, 120) * (rng.uniform(size=120) < 0.45)
    diff = abtest.mean_difference(list(champion), list(challenger))
    welch = stats.ttest_ind(challenger, champion, equal_var=False)
    assert diff.p_value == pytest.approx(welch.pvalue, rel=1e-9)
    compare = weightstats.CompareMeans.from_data(challenger, champion)
    assert (diff.low, diff.high) == pytest.approx(compare.tconfint_diff(usevar="unequal"), rel=1e-9)
    mean = abtest.mean(list(champion))
    low, high = stats.t.interval(0.95, len(champion) - 1, champion.mean(), stats.sem(champion))
    assert (mean.value, mean.low, mean.high) == pytest.approx((champion.mean(), low, high))


def test_mean_difference_by_hand() -> None:
    # [1, 2, 3] vs [2, 4, 6, 8]: means 2 and 5, variances 1 and 20/3; se² = 1/3 + 5/3 = 2;
    # df = 4 / ((1/3)²/2 + (5/3)²/3) = 4 / (0.05556 + 0.92593) = 4.0755.
    diff = abtest.mean_difference([1, 2, 3], [2, 4, 6, 8])
    half = stats.t.ppf(0.975, 4.0755) * 2**0.5
    assert diff.value == 3
    assert (diff.low, diff.high) == pytest.approx((3 - half, 3 + half), rel=1e-4)


def test_compare_reports_both_arms_and_the_challenger_minus_champion() -> None:
    result = abtest.compare(
        {
            abtest.CHAMPION: abtest.ArmOutcomes([True, False, False, False], [0, 10, 0, 30], 1, 4),
            abtest.CHALLENGER: abtest.ArmOutcomes([True, True], [50, 70], 2, 2),
        }
    )
    assert result["arms"]["champion"]["cure_rate"]["value"] == 0.25
    assert result["arms"]["challenger"]["recovered_total"] == 120
    assert result["arms"]["champion"]["kept_promise_rate"]["n"] == 4
    assert result["difference"]["cure_rate"]["value"] == pytest.approx(0.75)
    assert result["difference"]["recovered_per_case"]["value"] == pytest.approx(60 - 10)
    empty = abtest.compare(
        {
            abtest.CHAMPION: abtest.ArmOutcomes([], [], 0, 0),
            abtest.CHALLENGER: abtest.ArmOutcomes([], [], 0, 0),
        }
    )
    assert empty["difference"]["cure_rate"]["value"] is None
    assert empty["arms"]["champion"]["recovered_per_case"]["value"] is None
