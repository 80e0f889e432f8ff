"""Turn a CSV a bank hands us into model-ready columns and a 0/1 target (no Django).

Bank extracts are messy: percentages and thousands separators in text, row numbers as the first
column, free-text notes, a target that is "good"/"bad" or 0/1. The rules here decide, once and
for both models, which columns are numeric, which are categories and which are not features;
every refusal is a :class:`DataError` whose message names the file, column or value at fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from numpy.typing import NDArray

from doorstep.core.i18n import gettext_noop

FOLDS = 5
# A text column with more distinct values than this share of the rows is an identifier or free
# text, not a category.
MAX_CATEGORY_SHARE = 0.5
# A text column is read as numbers when at least this share of its non-empty cells parse.
NUMERIC_SHARE = 0.95
_NUMBER_NOISE = re.compile(r"[,%\s]")

MISSING_FILE = gettext_noop("File {path} does not exist or is not a readable file.")
UNREADABLE_FILE = gettext_noop("File {path} could not be read as CSV: {reason}")
MISSING_COLUMN = gettext_noop("Column {column!r} is not in the file; its columns are: {columns}.")
TEXT_TARGET = gettext_noop(
    "Target {column!r} is text ({values}); name the positive class with --positive."
)
UNKNOWN_POSITIVE = gettext_noop(
    "Positive value {positive!r} does not occur in target {column!r}; its values are: {values}."
)
ONE_CLASS = gettext_noop(
    "Target {column!r} has only one class ({detail}); a model needs both outcomes."
)
TOO_FEW = gettext_noop(
    "Target {column!r} has {count} rows of its rarer class; {folds}-fold cross-validation "
    "needs at least {folds}."
)
NO_FEATURES = gettext_noop("No usable feature columns are left besides target {column!r}.")


class DataError(ValueError):
    """The input cannot be evaluated; the message says what to fix."""


@dataclass(frozen=True)
class Prepared:
    features: pd.DataFrame  # numeric columns as float64, categories as object (str or NaN)
    target: NDArray[np.int8]
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    dropped: tuple[str, ...]


def read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(MISSING_FILE.format(path=path))
    try:
        return pd.read_csv(path, low_memory=False)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise DataError(UNREADABLE_FILE.format(path=path, reason=exc)) from exc


def _sample_values(values: pd.Series) -> str:
    distinct = [str(v) for v in values.dropna().unique()[:6]]
    return ", ".join(distinct)


def binary_target(frame: pd.DataFrame, column: str, positive: str | None) -> NDArray[np.int8]:
    """1 where the target equals the positive class; rows without a target must be gone."""
    values = frame[column]
    if pd.api.types.is_numeric_dtype(values):
        wanted = 1.0
        if positive is not None:
            try:
                wanted = float(positive)
            except ValueError:
                raise DataError(
                    UNKNOWN_POSITIVE.format(
                        positive=positive, column=column, values=_sample_values(values)
                    )
                ) from None
        hits = values.astype(float).to_numpy() == wanted
    else:
        text = values.astype(str).str.strip()
        if positive is None:
            raise DataError(TEXT_TARGET.format(column=column, values=_sample_values(text)))
        hits = (text == positive.strip()).to_numpy()
        if not hits.any():
            raise DataError(
                UNKNOWN_POSITIVE.format(
                    positive=positive, column=column, values=_sample_values(text)
                )
            )
    target: NDArray[np.int8] = np.asarray(hits, dtype=np.int8)
    count = int(target.sum())
    if count in (0, target.size):
        detail = f"{target.size} rows, all {'positive' if count else 'negative'}"
        raise DataError(ONE_CLASS.format(column=column, detail=detail))
    rarer = min(count, target.size - count)
    if rarer < FOLDS:
        raise DataError(TOO_FEW.format(column=column, count=rarer, folds=FOLDS))
    return target


def _as_number(values: pd.Series) -> pd.Series | None:
    """The column as floats if nearly all its non-empty text cells are numbers ("83.7%")."""
    text = values.dropna().astype(str).str.replace(_NUMBER_NOISE, "", regex=True)
    text = text[text != ""]
    if text.empty:
        return None
    parsed = pd.to_numeric(text, errors="coerce")
    if parsed.notna().mean() < NUMERIC_SHARE:
        return None
    cleaned = values.astype(str).str.replace(_NUMBER_NOISE, "", regex=True)
    return pd.to_numeric(cleaned.where(values.notna()), errors="coerce").astype(float)


def _is_row_number(values: pd.Series) -> bool:
    """1, 2, 3, … (in any order): a row identifier carries no information about the borrower."""
    if values.isna().any() or not np.all(np.mod(values.to_numpy(), 1) == 0):
        return False
    ordered = np.sort(values.to_numpy())
    return bool(ordered.size > 1 and np.all(np.diff(ordered) == 1))


def prepare(frame: pd.DataFrame, target: str, positive: str | None) -> Prepared:
    if target not in frame.columns:
        raise DataError(MISSING_COLUMN.format(column=target, columns=", ".join(frame.columns)))
    frame = frame[frame[target].notna()].reset_index(drop=True)
    y = binary_target(frame, target, positive)

    columns: dict[str, pd.Series] = {}
    numeric: list[str] = []
    categorical: list[str] = []
    dropped: list[str] = []
    for name in frame.columns:
        if name == target:
            continue
        values = frame[name]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            as_number = _as_number(values) if not pd.api.types.is_bool_dtype(values) else None
            if as_number is not None:
                values = as_number
        if values.nunique(dropna=True) < 2:
            dropped.append(str(name))
            continue
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            if _is_row_number(values):
                dropped.append(str(name))
                continue
            columns[str(name)] = values.astype(float)
            numeric.append(str(name))
            continue
        if values.nunique(dropna=True) > MAX_CATEGORY_SHARE * len(values):
            dropped.append(str(name))
            continue
        text = values.astype(str).str.strip().where(values.notna())
        columns[str(name)] = text.astype(object).where(text.notna(), np.nan)
        categorical.append(str(name))
    if not columns:
        raise DataError(NO_FEATURES.format(column=target))
    return Prepared(
        features=pd.DataFrame(columns),
        target=y,
        numeric=tuple(numeric),
        categorical=tuple(categorical),
        dropped=tuple(dropped),
    )
