"""Cross-validated evaluation of both models on a bank's CSV (no Django).

Stratified 5-fold, seed 42, with binning, regression and boosting all fitted inside each fold
so that no fold's test rows shape its own bins. AUC, Gini, KS and Brier are the means over the
folds; the 10-bin calibration table pools the out-of-fold predictions, because a decile of one
fold of a small file (German credit: 20 rows) says little.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from doorstep.scoring import metrics
from doorstep.scoring.gbm import fit_gbm, gbm_predict
from doorstep.scoring.scorecard import fit_scorecard
from doorstep.scoring.table import FOLDS, Prepared

SEED = 42
MODELS = ("scorecard", "lightgbm")


def _summary(
    folds: list[tuple[NDArray[np.int8], NDArray[np.float64]]],
    target: NDArray[np.int8],
    pooled: NDArray[np.float64],
) -> dict[str, Any]:
    aucs = [metrics.auc(y, p) for y, p in folds]
    result: dict[str, Any] = {
        "auc": round(float(np.mean(aucs)), 4),
        "gini": round(float(np.mean([2 * a - 1 for a in aucs])), 4),
        "ks": round(float(np.mean([metrics.ks(y, p) for y, p in folds])), 4),
        "brier": round(float(np.mean([metrics.brier(y, p) for y, p in folds])), 4),
        "calibration": [
            {
                "bin": b.bin,
                "predicted": round(b.predicted, 4),
                "observed": round(b.observed, 4),
                "count": b.count,
            }
            for b in (metrics.calibration(target, pooled))
        ],
    }
    return result


def evaluate(data: Prepared, *, folds: int = FOLDS, seed: int = SEED) -> dict[str, Any]:
    """The issue's JSON: rows, positives and per model the fold means and calibration."""
    y = data.target
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    pooled = {name: np.zeros(y.size) for name in MODELS}
    per_fold: dict[str, list[tuple[NDArray[np.int8], NDArray[np.float64]]]] = {
        name: [] for name in MODELS
    }
    for train, test in splitter.split(np.zeros(y.size), y):
        x_train = data.features.iloc[train].reset_index(drop=True)
        x_test = data.features.iloc[test].reset_index(drop=True)
        card = fit_scorecard(x_train, y[train], numeric=data.numeric, categorical=data.categorical)
        predictions = {"scorecard": card.probability(card.score(x_test))}
        booster, categories = fit_gbm(x_train, y[train], categorical=data.categorical)
        predictions["lightgbm"] = gbm_predict(booster, x_test, categories)
        for name in MODELS:
            pooled[name][test] = predictions[name]
            per_fold[name].append((y[test], predictions[name]))
    return {
        "rows": int(y.size),
        "positives": int(y.sum()),
        "models": {name: _summary(per_fold[name], y, pooled[name]) for name in MODELS},
    }
