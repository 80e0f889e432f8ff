"""Points-based scorecard: optbinning WoE bins + logistic regression, scaled to points (no Django).

A credit committee reads a scorecard as a table: for each characteristic, its bins and the
points each bin earns; the score is the base points plus the points of the bins the case falls
in, and ``PDO`` more points double the good:bad odds. :class:`Scorecard` is exactly that
table as plain data, so it can be stored in the model registry as JSON, scored with numpy
without optbinning, and explained: the reason codes of a case are the characteristics where it
lost the most points against the best bin, and its points add up to its score.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from numpy.typing import NDArray
from optbinning import BinningProcess  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

PDO = 20.0  # points to double the odds
BASE_POINTS = 600.0  # the score at ...
BASE_ODDS = 50.0  # ... good:bad odds of 50:1
MAX_BINS = 8
MIN_BIN_SHARE = 0.05
MIN_IV = 0.02  # characteristics below this information value are left out
UNSEEN = "\x00unseen"  # probe for a category the training data never had


@dataclass(frozen=True)
class Characteristic:
    """One row group of the scorecard table: its bins and the points of each."""

    name: str
    kind: str  # "numeric" or "categorical"
    splits: tuple[float, ...]  # numeric: bin i is [splits[i-1], splits[i])
    groups: tuple[tuple[str, ...], ...]  # categorical: the categories of each bin
    labels: tuple[str, ...]
    points: tuple[float, ...]  # one per bin
    missing_points: float
    other_points: float  # a category not seen in training

    @property
    def best(self) -> float:
        return max((*self.points, self.missing_points))

    def bin_index(self, values: pd.Series) -> NDArray[np.int64]:
        """Bin of each value; ``len(points)`` is missing and ``len(points) + 1`` unseen."""
        bins = len(self.points)
        if self.kind == "numeric":
            data = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            index = np.searchsorted(np.asarray(self.splits), data, side="right")
            return np.where(np.isnan(data), bins, index).astype(np.int64)
        lookup = {category: i for i, group in enumerate(self.groups) for category in group}
        text = values.astype(object)
        mapped = text.map(lookup)
        unseen = mapped.fillna(bins + 1).to_numpy(dtype=np.int64)
        return np.where(text.isna().to_numpy(), bins, unseen).astype(np.int64)

    def points_of(self, values: pd.Series) -> NDArray[np.float64]:
        table = np.asarray((*self.points, self.missing_points, self.other_points))
        return np.asarray(table[self.bin_index(values)], dtype=np.float64)

    def label_of(self, index: int) -> str:
        if index < len(self.labels):
            return self.labels[index]
        return "missing" if index == len(self.labels) else "other"


@dataclass(frozen=True)
class Reason:
    characteristic: str
    bin: str
    points_lost: float


@dataclass(frozen=True)
class Scorecard:
    base_points: float
    factor: float  # PDO / ln 2
    offset: float  # BASE_POINTS - factor * ln(BASE_ODDS)
    characteristics: tuple[Characteristic, ...]

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.characteristics)

    def points(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        """Points of each case (rows) on each characteristic (columns)."""
        if not self.characteristics:
            return np.zeros((len(frame), 0))
        return np.column_stack([c.points_of(frame[c.name]) for c in self.characteristics])

    def score(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        return np.asarray(self.base_points + self.points(frame).sum(axis=1), dtype=np.float64)

    def probability(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        """P(positive): the score is offset + factor * ln(odds of the negative class)."""
        return np.asarray(1.0 / (1.0 + np.exp((scores - self.offset) / self.factor)))

    def reason_codes(
        self, frame: pd.DataFrame, top: int = 3
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """The ``top`` characteristics where each case lost most points against the best bin,
        as arrays (characteristic index, bin index, points lost), one row per case; vectorised
        so that reason codes for every account cost about as much as the score."""
        points = self.points(frame)
        lost = np.asarray([c.best for c in self.characteristics]) - points
        bins = np.column_stack([c.bin_index(frame[c.name]) for c in self.characteristics])
        order = np.argsort(-lost, axis=1, kind="stable")[:, :top]
        return (
            order.astype(np.int64),
            np.take_along_axis(bins, order, axis=1).astype(np.int64),
            np.take_along_axis(lost, order, axis=1),
        )

    def reasons(self, frame: pd.DataFrame, top: int = 3) -> list[list[Reason]]:
        """:meth:`reason_codes` as named reasons (characteristics that lost no points left out)."""
        if not self.characteristics:
            return [[] for _ in range(len(frame))]
        which, bins, lost = self.reason_codes(frame, top)
        return [
            [
                Reason(
                    characteristic=self.characteristics[j].name,
                    bin=self.characteristics[j].label_of(int(b)),
                    points_lost=round(float(points), 1),
                )
                for j, b, points in zip(which[row], bins[row], lost[row], strict=True)
                if points > 0.05
            ]
            for row in range(len(frame))
        ]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorecard:
        return cls(
            base_points=float(data["base_points"]),
            factor=float(data["factor"]),
            offset=float(data["offset"]),
            characteristics=tuple(
                Characteristic(
                    name=c["name"],
                    kind=c["kind"],
                    splits=tuple(c["splits"]),
                    groups=tuple(tuple(g) for g in c["groups"]),
                    labels=tuple(c["labels"]),
                    points=tuple(c["points"]),
                    missing_points=float(c["missing_points"]),
                    other_points=float(c["other_points"]),
                )
                for c in data["characteristics"]
            ),
        )


def _number(value: float) -> str:
    return f"{value:.4g}"


def _numeric_bins(splits: Sequence[float]) -> tuple[list[float], list[str]]:
    """A value inside each bin (to read its WoE back) and the bin's label."""
    if not splits:
        return [0.0], ["all"]
    probes = [splits[0] - 1.0]
    labels = [f"< {_number(splits[0])}"]
    for low, high in itertools.pairwise(splits):
        probes.append((low + high) / 2.0)
        labels.append(f"[{_number(low)}, {_number(high)})")
    probes.append(splits[-1] + 1.0)
    labels.append(f">= {_number(splits[-1])}")
    return probes, labels


def _characteristic(
    binned: Any, name: str, kind: str, coefficient: float, factor: float
) -> Characteristic:
    if kind == "numeric":
        splits = [float(s) for s in binned.splits]
        probes, labels = _numeric_bins(splits)
        groups: list[tuple[str, ...]] = []
        extra: list[Any] = [math.nan, math.nan]
        values = np.asarray([*probes, *extra], dtype=float)
    else:
        splits = []
        groups = [tuple(str(v) for v in group) for group in binned.splits]
        labels = [", ".join(group)[:60] for group in groups]
        values = np.asarray([g[0] for g in groups] + [math.nan, UNSEEN], dtype=object)
    woe = np.asarray(binned.transform(values, metric="woe"), dtype=float)
    points = [-factor * coefficient * w for w in woe]
    return Characteristic(
        name=name,
        kind=kind,
        splits=tuple(splits),
        groups=tuple(groups),
        labels=tuple(labels),
        points=tuple(points[:-2]),
        missing_points=points[-2],
        other_points=points[-1],
    )


def _base_rate_card(target: NDArray[np.int8], factor: float, offset: float) -> Scorecard:
    """No characteristic tells the classes apart: everyone gets the points of the base rate."""
    rate = float(np.mean(target))
    return Scorecard(offset - factor * math.log(rate / (1 - rate)), factor, offset, ())


def fit_scorecard(
    features: pd.DataFrame,
    target: NDArray[np.int8],
    *,
    numeric: Sequence[str],
    categorical: Sequence[str],
) -> Scorecard:
    """Bin each characteristic on these rows only, fit the regression, scale to points.

    Numeric bins are monotonic (ascending or descending, whichever fits) so that a committee
    never sees risk jump up and down across income bands; a characteristic whose regression
    weight comes out with the wrong sign (correlated with another one) is dropped and the
    regression refitted, for the same reason.
    """
    # A characteristic without two distinct values on these rows has nothing to bin.
    numeric = [n for n in numeric if features[n].nunique(dropna=True) >= 2]
    categorical = [n for n in categorical if features[n].nunique(dropna=True) >= 2]
    names = [*numeric, *categorical]
    factor = PDO / math.log(2)
    offset = BASE_POINTS - factor * math.log(BASE_ODDS)
    if not names:
        return _base_rate_card(target, factor, offset)
    process = BinningProcess(
        variable_names=names,
        categorical_variables=list(categorical),
        max_n_bins=MAX_BINS,
        min_bin_size=MIN_BIN_SHARE,
        selection_criteria={"iv": {"min": MIN_IV}},
        binning_fit_params={n: {"monotonic_trend": "auto_asc_desc"} for n in numeric},
    )
    process.fit(features[names], target)
    selected = [n for n in names if n in set(process.get_support(names=True))]
    woe = process.transform(features[names], metric="woe")
    kept = list(selected)
    model = LogisticRegression(max_iter=1000)
    while kept:
        model.fit(woe[kept].to_numpy(), target)
        # WoE is high for low risk, so a sensible weight on P(positive) is negative.
        wrong = [n for n, c in zip(kept, model.coef_[0], strict=True) if c >= 0]
        if not wrong:
            break
        kept = [n for n in kept if n not in wrong]
    if not kept:
        return _base_rate_card(target, factor, offset)
    characteristics = tuple(
        _characteristic(
            process.get_binned_variable(name),
            name,
            "categorical" if name in categorical else "numeric",
            float(coefficient),
            factor,
        )
        for name, coefficient in zip(kept, model.coef_[0], strict=True)
    )
    base = offset - factor * float(model.intercept_[0])
    return Scorecard(base, factor, offset, characteristics)
