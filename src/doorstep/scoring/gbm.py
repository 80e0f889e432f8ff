"""LightGBM for ranking power, deterministic and single-threaded (no Django).

On this shared 2-core machine two LightGBM threads ran 10-200x slower than one, so ``n_jobs`` is
1 everywhere; ``deterministic`` with a fixed seed makes the same data give the same model, which
the model registry's fingerprint relies on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from numpy.typing import NDArray

PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.03,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 20,
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "seed": 42,
    "verbosity": -1,
}
ROUNDS = 500


def gbm_frame(features: pd.DataFrame, categories: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Categories as pandas categoricals with the training set's levels (unseen -> missing)."""
    frame = features.copy()
    for name, levels in categories.items():
        frame[name] = pd.Categorical(frame[name], categories=list(levels))
    return frame


def categories_of(features: pd.DataFrame, categorical: Sequence[str]) -> dict[str, list[str]]:
    return {name: sorted(features[name].dropna().unique().tolist()) for name in categorical}


def fit_gbm(
    features: pd.DataFrame,
    target: NDArray[np.int8],
    *,
    categorical: Sequence[str],
    params: Mapping[str, Any] | None = None,
    rounds: int = ROUNDS,
) -> tuple[lgb.Booster, dict[str, list[str]]]:
    categories = categories_of(features, categorical)
    data = lgb.Dataset(
        gbm_frame(features, categories),
        label=target,
        categorical_feature=list(categorical) or "auto",
        free_raw_data=True,
    )
    booster = lgb.train({**PARAMS, **(params or {})}, data, num_boost_round=rounds)
    return booster, categories


def gbm_predict(
    booster: lgb.Booster, features: pd.DataFrame, categories: Mapping[str, Sequence[str]]
) -> NDArray[np.float64]:
    return np.asarray(booster.predict(gbm_frame(features, categories)), dtype=np.float64)
