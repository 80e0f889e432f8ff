"""Collections models on the bank's own history: training table, fit, scoring (no Django).

The question the models answer for a delinquent customer on date D: will they pay within 30
days — at least the smaller of what is past due and one month's due, in payments not reversed
by D + 30? Training rows are delinquent customers at several past month-ends, with their
point-in-time features at D and the outcome from (D, D + 30]; so the newest usable snapshot is
30 days before the data ends.

The scorecard models *not paying* (the "bad" outcome of a collections scorecard), so more
points mean more likely to pay, and the reason codes are the points a customer lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import polars as pl

from doorstep.scoring import metrics
from doorstep.scoring.evaluation import evaluate
from doorstep.scoring.features import FEATURE_NAMES, History, customer_features
from doorstep.scoring.gbm import PARAMS, ROUNDS, fit_gbm
from doorstep.scoring.scorecard import (
    BASE_ODDS,
    BASE_POINTS,
    MAX_BINS,
    MIN_IV,
    PDO,
    Scorecard,
    fit_scorecard,
)
from doorstep.scoring.table import Prepared

HORIZON_DAYS = 30
TARGET = "pays at least min(past due, one month's due) within 30 days"
# Share of the exposure a bucket loses even when the customer pays something: a bank sets
# these from its own loss history (account-level loss models on public data explain ~10 % of
# the variance, so a per-segment rate is the honest level of detail).
SEGMENT_LOSS = {"M1": 0.05, "M2": 0.15, "M3": 0.30, "M4": 0.45, "M5": 0.55, "M6": 0.65}
SEGMENT_LOSS_LATER = 0.80
PSI_WARN, PSI_ALERT = 0.10, 0.25


def month_ends(last: date, count: int) -> list[date]:
    """``count`` month-ends, newest first, the newest on or before ``last``."""
    out = []
    day = last if (last + timedelta(days=1)).day == 1 else last.replace(day=1) - timedelta(days=1)
    for _ in range(count):
        out.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return out


def outcomes(history: History, as_of: date, customers: pl.DataFrame) -> pl.Series:
    """1 if the customer did not pay enough within the horizon after ``as_of`` (see module)."""
    end = as_of + timedelta(days=HORIZON_DAYS)
    owner = history.accounts.select("account_id", "customer_id")
    paid = (
        history.payments.filter(
            (pl.col("paid_on") > as_of)
            & (pl.col("paid_on") <= end)
            & (pl.col("reversed_on").is_null() | (pl.col("reversed_on") > end))
        )
        .join(owner, on="account_id")
        .group_by("customer_id")
        .agg(pl.col("amount").sum().alias("paid"))
    )
    monthly = (
        history.statements.filter(pl.col("due_date") <= as_of)
        .sort("due_date")
        .group_by("account_id")
        .agg(pl.col("amount_due").last())
        .join(owner, on="account_id")
        .group_by("customer_id")
        .agg(pl.col("amount_due").sum().alias("monthly"))
    )
    table = (
        customers.select("customer_id", "past_due")
        .join(paid, on="customer_id", how="left", maintain_order="left")
        .join(monthly, on="customer_id", how="left", maintain_order="left")
        .with_columns(pl.col("paid").fill_null(0.0), pl.col("monthly").fill_null(0.0))
    )
    needed = pl.min_horizontal("past_due", "monthly") * 0.99
    return table.select((pl.col("paid") < needed).cast(pl.Int8).alias("bad")).to_series()


def training_table(history: History, snapshots: list[date]) -> pl.DataFrame:
    """Delinquent customers at each snapshot: features, the snapshot date and the outcome."""
    parts = []
    for as_of in snapshots:
        features = customer_features(history, as_of).filter(pl.col("dpd_now") > 0)
        if features.height:
            parts.append(
                features.with_columns(
                    pl.lit(as_of).alias("as_of"), outcomes(history, as_of, features)
                )
            )
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts)


def fingerprint(table: pl.DataFrame) -> str:
    """SHA-256 of the training rows in a canonical order: same data, same fingerprint."""
    ordered = table.sort("as_of", "customer_id")
    digest = hashlib.sha256()
    for column in ordered.columns:
        digest.update(column.encode())
        digest.update(
            ordered[column].cast(pl.String).fill_null("∅").str.join("\x1f").item().encode()
        )
    return digest.hexdigest()


def pandas_features(features: pl.DataFrame) -> pd.DataFrame:
    """The model's input frame (nulls as NaN); built from numpy, so pyarrow is not needed."""
    return pd.DataFrame(
        {name: features[name].cast(pl.Float64).to_numpy() for name in FEATURE_NAMES}
    )


@dataclass(frozen=True)
class Fitted:
    scorecard: Scorecard
    booster: lgb.Booster
    metrics: dict[str, Any]
    params: dict[str, Any]
    reference: dict[str, Any]
    rows: int
    positives: int


def reference_of(card: Scorecard, frame: pd.DataFrame) -> dict[str, Any]:
    """Training-time distributions: score deciles and each characteristic's bin shares."""
    points = card.score(frame)
    edges = metrics.decile_edges(points)
    characteristics = {
        c.name: np.bincount(c.bin_index(frame[c.name]), minlength=len(c.points) + 2).tolist()
        for c in card.characteristics
    }
    return {
        "score_edges": edges.tolist(),
        "score_counts": metrics.histogram(points, edges).tolist(),
        "characteristics": characteristics,
    }


def stability_counts(
    card: Scorecard, reference: dict[str, Any], frame: pd.DataFrame
) -> dict[str, Any]:
    """What a stability report is made of: the score histogram on the training deciles and
    each characteristic's bin counts. Counts add up, so the book's report can be built from
    per-branch partitions (``stability_from_counts`` of their sum)."""
    edges = np.asarray(reference["score_edges"], dtype=float)
    return {
        "score_counts": metrics.histogram(card.score(frame), edges).tolist(),
        "characteristics": {
            c.name: np.bincount(c.bin_index(frame[c.name]), minlength=len(c.points) + 2).tolist()
            for c in card.characteristics
            if c.name in reference["characteristics"]
        },
    }


def counts_add(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """The counts of two partitions together (either may be empty: ``{}``)."""
    if not first:
        return second
    if not second:
        return first

    def add(a: list[int], b: list[int]) -> list[int]:
        return [x + y for x, y in zip(a, b, strict=True)]

    return {
        "score_counts": add(first["score_counts"], second["score_counts"]),
        "characteristics": {
            name: add(counts, second["characteristics"][name])
            for name, counts in first["characteristics"].items()
        },
    }


def stability_from_counts(reference: dict[str, Any], counts: dict[str, Any]) -> dict[str, Any]:
    score_psi = metrics.psi_from_counts(reference["score_counts"], counts["score_counts"])
    characteristics = {
        name: round(metrics.psi_from_counts(reference["characteristics"][name], now), 4)
        for name, now in counts["characteristics"].items()
    }
    return {"score_psi": round(score_psi, 4), "characteristics": characteristics}


def stability(card: Scorecard, reference: dict[str, Any], frame: pd.DataFrame) -> dict[str, Any]:
    """PSI of the score and of each characteristic against training, with the alert level."""
    return stability_from_counts(reference, stability_counts(card, reference, frame))


def alert_level(psi: float) -> str:
    if psi >= PSI_ALERT:
        return "alert"
    if psi >= PSI_WARN:
        return "warn"
    return "ok"


def fit(table: pl.DataFrame) -> Fitted:
    """Both models on the whole table, and their 5-fold cross-validated metrics."""
    frame = pandas_features(table)
    bad = table["bad"].to_numpy().astype(np.int8)
    prepared = Prepared(
        features=frame, target=bad, numeric=FEATURE_NAMES, categorical=(), dropped=()
    )
    cv = evaluate(prepared)
    card = fit_scorecard(frame, bad, numeric=FEATURE_NAMES, categorical=())
    booster, _ = fit_gbm(frame, bad, categorical=())
    params = {
        "scorecard": {
            "pdo": PDO,
            "base_points": BASE_POINTS,
            "base_odds": BASE_ODDS,
            "max_bins": MAX_BINS,
            "min_iv": MIN_IV,
            "monotonic": "auto_asc_desc",
        },
        "lightgbm": {**PARAMS, "rounds": ROUNDS},
        "horizon_days": HORIZON_DAYS,
    }
    return Fitted(
        scorecard=card,
        booster=booster,
        metrics=cv,
        params=params,
        reference=reference_of(card, frame),
        rows=int(bad.size),
        positives=int(bad.sum()),
    )


def shap_top(booster: lgb.Booster, frame: pd.DataFrame, top: int = 3) -> list[list[dict[str, Any]]]:
    """Per row, the features pushing most towards not paying (SHAP, in log-odds), with the
    bias, so that ``bias + sum(all contributions)`` is the model's raw score."""
    # One thread: a worker process is one core's worth of work (docs/deploy.md).
    contributions = np.asarray(booster.predict(frame, pred_contrib=True, num_threads=1))
    names = booster.feature_name()
    out = []
    for row in contributions:
        order = np.argsort(-row[:-1], kind="stable")[:top]
        out.append(
            [
                {"feature": names[j], "contribution": round(float(row[j]), 4)}
                for j in order
                if row[j] > 0
            ]
        )
    return out


def segment_loss(bucket: str) -> float:
    return SEGMENT_LOSS.get(bucket, SEGMENT_LOSS_LATER)
