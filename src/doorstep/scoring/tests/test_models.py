"""The pure model pieces: table preparation, metrics, the scorecard's points and reasons."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

from doorstep.scoring import metrics
from doorstep.scoring.gbm import fit_gbm
from doorstep.scoring.scorecard import Scorecard, fit_scorecard
from doorstep.scoring.table import prepare
from doorstep.scoring.training import month_ends, shap_top


def _applicants(rows: int = 2000, seed: int = 11) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    dpd = rng.integers(0, 120, rows).astype(float)
    income = rng.lognormal(8.5, 0.5, rows)
    channel = rng.choice(["branch", "online", "broker"], rows)
    logit = -2.5 + dpd / 40 - (np.log(income) - 8.5) + (channel == "broker") * 0.7
    y = (rng.uniform(size=rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    frame = pd.DataFrame({"dpd": dpd, "income": income, "channel": channel})
    frame.loc[::31, "income"] = np.nan
    return frame, y


def test_auc_ks_and_brier_agree_with_scikit_learn_with_ties() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 500)
    p = np.round(rng.uniform(size=500) * 0.5 + y * 0.2, 2)  # rounded: many ties

    fpr, tpr, _ = roc_curve(y, p)
    assert metrics.auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert metrics.ks(y, p) == pytest.approx(np.max(tpr - fpr), abs=1e-12)
    assert metrics.brier(y, p) == pytest.approx(brier_score_loss(y, p), abs=1e-12)


def test_calibration_bins_have_equal_counts_and_rising_predictions() -> None:
    y = np.array([0] * 90 + [1] * 10)
    p = np.linspace(0.01, 0.5, 100)

    bins = metrics.calibration(y, p)

    assert [b.count for b in bins] == [10] * 10
    assert bins[-1].observed == 1.0
    assert bins[0].observed == 0.0
    assert bins[0].predicted == pytest.approx(p[:10].mean())


def test_prepare_reads_percent_text_as_numbers_and_drops_ids_and_free_text() -> None:
    frame = pd.DataFrame(
        {
            "id": [3, 1, 2, 4, 5, 6, 7, 8, 9, 10],
            "rate": ["10.5%", "7%", None, "1,200", "1", "2", "3", "4", "5", "6"],
            "note": [f"visited on day {i}" for i in range(10)],
            "grade": ["A", "A", "B", None, "A", "B", "A", "B", "A", "B"],
            "y": [1, 0] * 5,
        }
    )

    data = prepare(frame, "y", None)

    assert data.numeric == ("rate",)
    assert data.categorical == ("grade",)
    assert data.dropped == ("id", "note")
    assert data.features["rate"].tolist()[:2] == [10.5, 7.0]
    assert math.isnan(data.features["rate"][2])
    assert data.features["rate"][3] == 1200.0


def test_scorecard_points_add_up_to_the_score_and_give_the_regression_probability() -> None:
    frame, y = _applicants()

    card = fit_scorecard(frame, y, numeric=["dpd", "income"], categorical=["channel"])

    points = card.points(frame)
    scores = card.score(frame)
    assert np.allclose(card.base_points + points.sum(axis=1), scores)
    # Points to double the odds: 20 more points halve P(bad)/P(good).
    p = card.probability(np.array([600.0, 620.0]))
    odds = p / (1 - p)
    assert odds[0] / odds[1] == pytest.approx(2.0)
    assert p[0] == pytest.approx(1 / 51)
    assert metrics.auc(y, card.probability(scores)) > 0.75
    assert set(card.features) == {"dpd", "income", "channel"}


def test_scorecard_bins_are_monotonic_for_numeric_characteristics() -> None:
    frame, y = _applicants()

    card = fit_scorecard(frame, y, numeric=["dpd", "income"], categorical=["channel"])

    dpd = next(c for c in card.characteristics if c.name == "dpd")
    assert len(dpd.points) >= 3
    assert list(dpd.points) == sorted(dpd.points, reverse=True)  # more days late, fewer points


def test_reason_codes_are_the_points_lost_against_the_best_bin() -> None:
    frame, y = _applicants()
    card = fit_scorecard(frame, y, numeric=["dpd", "income"], categorical=["channel"])
    case = pd.DataFrame({"dpd": [115.0], "income": [np.nan], "channel": ["broker"]})

    (reasons,) = card.reasons(case, top=3)

    points = card.points(case)[0]
    best = np.array([c.best for c in card.characteristics])
    lost = dict(zip(card.features, best - points, strict=True))
    assert reasons[0].characteristic == "dpd"
    assert reasons[0].bin.startswith(">=")
    assert [r.points_lost for r in reasons] == sorted(
        (round(v, 1) for v in lost.values() if v > 0.05), reverse=True
    )
    assert card.score(case)[0] == pytest.approx(
        card.base_points + sum(c.best for c in card.characteristics) - sum(lost.values())
    )


def test_a_scorecard_survives_its_json_form_and_scores_unseen_categories() -> None:
    frame, y = _applicants()
    card = fit_scorecard(frame, y, numeric=["dpd", "income"], categorical=["channel"])
    again = Scorecard.from_dict(card.as_dict())
    fresh = pd.DataFrame({"dpd": [10.0, np.nan], "income": [5000.0, 1.0], "channel": ["app", None]})

    assert np.allclose(again.score(frame), card.score(frame))
    assert np.all(np.isfinite(again.score(fresh)))


def test_psi_on_a_hand_worked_example() -> None:
    # Expected shares 25/25/25/25 %, actual 10/20/30/40 %:
    # (0.10-0.25)ln(0.10/0.25) + (0.20-0.25)ln(0.20/0.25)
    #   + (0.30-0.25)ln(0.30/0.25) + (0.40-0.25)ln(0.40/0.25)
    # = 0.137444 + 0.011157 + 0.009116 + 0.070500 = 0.228217
    assert metrics.psi_from_counts([250, 250, 250, 250], [10, 20, 30, 40]) == pytest.approx(
        0.228217, abs=1e-6
    )
    assert metrics.psi_from_counts([5, 5], [50, 50]) == 0.0


def test_psi_floors_an_empty_bin_instead_of_dividing_by_zero() -> None:
    psi = metrics.psi_from_counts([50, 50, 0], [50, 40, 10])

    # The empty expected bin counts as 0.01 % of the rows.
    expected = (
        (0.5 - 0.5) * math.log(1)
        + (0.4 - 0.5) * math.log(0.4 / 0.5)
        + (0.1 - 1e-4) * math.log(0.1 / 1e-4)
    )
    assert psi == pytest.approx(expected)


def test_score_histogram_uses_training_deciles_and_a_missing_bin() -> None:
    edges = metrics.decile_edges(np.arange(100.0))
    counts = metrics.histogram(np.array([-5.0, 5.0, 95.0, 500.0, np.nan]), edges)

    assert edges.size == 9
    assert counts.tolist() == [2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1]


def test_a_scorecard_with_nothing_to_bin_gives_everyone_the_base_rate() -> None:
    frame = pd.DataFrame({"flat": [1.0] * 40, "empty": [np.nan] * 40})
    y = np.array([1] * 10 + [0] * 30, dtype=np.int8)

    card = fit_scorecard(frame, y, numeric=["flat", "empty"], categorical=[])

    assert card.characteristics == ()
    assert card.probability(card.score(frame)) == pytest.approx(np.full(40, 0.25))


def test_lightgbm_contributions_add_up_to_its_score_and_the_top_ones_are_kept() -> None:
    frame, y = _applicants()
    frame["channel"] = (frame["channel"] == "broker").astype(float)
    booster, _ = fit_gbm(frame, y, categorical=[], rounds=40)

    full = booster.predict(frame, pred_contrib=True)
    top = shap_top(booster, frame.iloc[:50])

    assert np.allclose(full.sum(axis=1), booster.predict(frame, raw_score=True))
    for row, reasons in zip(full[:50], top, strict=True):
        positive = sorted((v for v in row[:-1] if v > 0), reverse=True)[:3]
        assert [r["contribution"] for r in reasons] == [round(v, 4) for v in positive]


def test_training_snapshots_are_month_ends_on_or_before_the_last_day() -> None:
    assert month_ends(date(2026, 10, 29), 3) == [
        date(2026, 9, 30),
        date(2026, 8, 31),
        date(2026, 7, 31),
    ]
    assert month_ends(date(2026, 2, 28), 2) == [date(2026, 2, 28), date(2026, 1, 31)]
