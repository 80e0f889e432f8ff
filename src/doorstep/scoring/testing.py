"""A model version fitted in a second on made-up customer-months, for tests and the recovery
benchmarks: real scoring needs a champion, but the real training is not what they test."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from doorstep.scoring import services, training
from doorstep.scoring.features import FEATURE_NAMES
from doorstep.scoring.gbm import fit_gbm
from doorstep.scoring.models import ModelVersion
from doorstep.scoring.scorecard import fit_scorecard

ROWS = 1500


def synthetic_model_version(
    owner: Any,
    *,
    version: int = 1,
    seed: int | None = None,
    slope: float = 60,
    gbm: bool = True,
    status: str = ModelVersion.Status.CHALLENGER,
    data_from: date = date(2026, 1, 31),
    data_to: date = date(2026, 5, 31),
    trained_at: str = "2026-06-01T00:00:00+08:00",
) -> ModelVersion:
    """A scorecard (and, with ``gbm``, a small LightGBM) on random rows where arrears raise
    the risk; ``slope`` sets how much (the lower, the more), so two versions score the same
    case differently. ``seed`` defaults to the version number."""
    rng = np.random.default_rng(version if seed is None else seed)
    frame = pd.DataFrame({name: rng.uniform(0, 1, ROWS) for name in FEATURE_NAMES})
    frame["dpd_now"] = rng.integers(1, 200, ROWS).astype(float)
    frame["pay_to_due_6m"] = rng.uniform(0, 1.2, ROWS)
    logit = -1 + frame["dpd_now"] / slope - 2 * frame["pay_to_due_6m"]
    bad = (rng.uniform(size=ROWS) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    card = fit_scorecard(frame, bad, numeric=["dpd_now", "pay_to_due_6m"], categorical=[])
    return ModelVersion.objects.create(
        name=services.MODEL_NAME,
        version=version,
        target=training.TARGET,
        owner=owner,
        status=status,
        trained_at=trained_at,
        data_from=data_from,
        data_to=data_to,
        data_fingerprint=f"{version}" * 64,
        rows=ROWS,
        positives=int(bad.sum()),
        features=list(card.features),
        params={},
        metrics={"models": {"scorecard": {"auc": 0.8}, "lightgbm": {"auc": 0.8}}},
        scorecard=card.as_dict(),
        lightgbm=fit_gbm(frame, bad, categorical=[], rounds=20)[0].model_to_string() if gbm else "",
        reference=training.reference_of(card, frame),
    )
