"""Model performance and stability measures, in plain numpy (no Django).

Kept apart from the models so the evaluation command, the nightly drift report and the
benchmarks all compute AUC, KS, Brier, calibration and PSI the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class CalibrationBin:
    bin: int
    predicted: float
    observed: float
    count: int


def auc(y: ArrayLike, p: ArrayLike) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties sharing their mean rank."""
    truth = np.asarray(y, dtype=bool)
    scores = np.asarray(p, dtype=float)
    positives = int(truth.sum())
    negatives = truth.size - positives
    if positives == 0 or negatives == 0:
        raise ValueError("AUC needs both classes")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(scores.size, dtype=float)
    sorted_scores = scores[order]
    # Average ranks over runs of equal scores.
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], scores.size]
    mean_rank = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return float((ranks[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def ks(y: ArrayLike, p: ArrayLike) -> float:
    """Kolmogorov-Smirnov: the largest gap between the score distributions of the two classes."""
    truth = np.asarray(y, dtype=bool)
    scores = np.asarray(p, dtype=float)
    order = np.argsort(-scores, kind="mergesort")
    hits = truth[order]
    sorted_scores = scores[order]
    tpr = np.cumsum(hits) / max(int(hits.sum()), 1)
    fpr = np.cumsum(~hits) / max(int((~hits).sum()), 1)
    # Only compare at the end of each run of tied scores: a threshold cannot split a tie.
    last_of_run = np.r_[np.diff(sorted_scores) != 0, True]
    return float(np.max(np.abs(tpr[last_of_run] - fpr[last_of_run])))


def brier(y: ArrayLike, p: ArrayLike) -> float:
    truth = np.asarray(y, dtype=float)
    return float(np.mean((np.asarray(p, dtype=float) - truth) ** 2))


def calibration(y: ArrayLike, p: ArrayLike, bins: int = 10) -> list[CalibrationBin]:
    """Equal-count bins of the predicted probability (lowest first): mean predicted vs observed."""
    truth = np.asarray(y, dtype=float)
    scores = np.asarray(p, dtype=float)
    order = np.argsort(scores, kind="mergesort")
    out = []
    for number, chunk in enumerate(np.array_split(order, bins), start=1):
        if chunk.size == 0:
            continue
        out.append(
            CalibrationBin(
                bin=number,
                predicted=float(scores[chunk].mean()),
                observed=float(truth[chunk].mean()),
                count=int(chunk.size),
            )
        )
    return out


def psi_from_counts(expected: ArrayLike, actual: ArrayLike, floor: float = 1e-4) -> float:
    """Population stability index of two histograms over the same bins.

    PSI = sum((a - e) * ln(a / e)) over the bins' shares. An empty bin would make the log
    infinite, so shares are floored at ``floor`` (the usual practice; the floor is named so a
    report can state it).
    """
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.shape != a.shape or e.sum() <= 0 or a.sum() <= 0:
        raise ValueError("PSI needs two non-empty histograms over the same bins")
    e_share = np.maximum(e / e.sum(), floor)
    a_share = np.maximum(a / a.sum(), floor)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


def decile_edges(reference: ArrayLike, bins: int = 10) -> NDArray[np.float64]:
    """Inner edges of equal-count bins of the reference sample (duplicates removed)."""
    values = np.asarray(reference, dtype=float)
    values = values[~np.isnan(values)]
    quantiles = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    return np.unique(quantiles)


def histogram(values: ArrayLike, edges: NDArray[np.float64]) -> NDArray[np.int64]:
    """Counts per bin for the edges of :func:`decile_edges`; missing values get a last bin."""
    data = np.asarray(values, dtype=float)
    missing = np.isnan(data)
    index = np.searchsorted(edges, data[~missing], side="right")
    counts = np.bincount(index, minlength=edges.size + 1)
    out: NDArray[np.int64] = np.r_[counts, int(missing.sum())].astype(np.int64)
    return out
