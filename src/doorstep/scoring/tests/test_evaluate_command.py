"""`doorstep scoring evaluate` on small CSVs written by the tests themselves."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def _bank_extract(rows: int = 600, seed: int = 3) -> pd.DataFrame:
    """A messy extract with a real signal: worse arrears and utilisation, more defaults."""
    rng = np.random.default_rng(seed)
    arrears = rng.integers(0, 6, rows)
    utilisation = rng.uniform(0, 1.2, rows)
    region = rng.choice(["north", "south", "east"], rows)
    risk = -2.0 + 0.6 * arrears + 1.5 * utilisation + (region == "east") * 0.8
    default = rng.uniform(size=rows) < 1 / (1 + np.exp(-risk))
    frame = pd.DataFrame(
        {
            "row": np.arange(1, rows + 1),
            "months_in_arrears": arrears.astype(float),
            "utilisation": [f"{u * 100:.1f}%" for u in utilisation],
            "region": region,
            "note": [f"free text {i}" for i in range(rows)],
            "status": np.where(default, "bad", "good"),
        }
    )
    frame.loc[::17, "months_in_arrears"] = np.nan
    frame.loc[::23, "region"] = None
    return frame


def _evaluate(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("scoring", "evaluate", *args, stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def _error(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command("scoring", "evaluate", *args, stdout=StringIO())
    return caught.value


def test_evaluate_prints_exactly_the_issue_json_for_a_messy_text_target(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    frame = _bank_extract()
    frame.to_csv(path, index=False)

    result = _evaluate("--csv", str(path), "--target", "status", "--positive", "bad")

    assert set(result) == {"rows", "positives", "models"}
    assert result["rows"] == 600
    assert result["positives"] == int((frame["status"] == "bad").sum())
    models = result["models"]
    assert isinstance(models, dict)
    assert set(models) == {"scorecard", "lightgbm"}
    for name, summary in models.items():
        assert set(summary) == {"auc", "gini", "ks", "brier", "calibration"}, name
        assert summary["auc"] > 0.7, name
        assert summary["gini"] == pytest.approx(2 * summary["auc"] - 1, abs=2e-4)
        assert 0 < summary["ks"] < 1
        assert 0 < summary["brier"] < 0.25
        bins = summary["calibration"]
        assert [b["bin"] for b in bins] == list(range(1, 11))
        assert all(set(b) == {"bin", "predicted", "observed", "count"} for b in bins)
        assert sum(b["count"] for b in bins) == 600
        assert bins[0]["predicted"] < bins[-1]["predicted"]
        assert bins[0]["observed"] < bins[-1]["observed"]


def test_a_numeric_target_counts_one_as_the_event_by_default(tmp_path: Path) -> None:
    path = tmp_path / "numeric.csv"
    frame = _bank_extract(rows=300)
    frame["default"] = (frame.pop("status") == "bad").astype(int)
    frame.to_csv(path, index=False)

    result = _evaluate("--csv", str(path), "--target", "default")

    assert result["rows"] == 300
    assert result["positives"] == int(frame["default"].sum())


def test_rows_without_a_target_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    frame = _bank_extract(rows=300)
    frame.loc[:9, "status"] = None
    frame.to_csv(path, index=False)

    result = _evaluate("--csv", str(path), "--target", "status", "--positive", "bad")

    assert result["rows"] == 290


def test_a_missing_file_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    error = _error("--csv", str(tmp_path / "nope.csv"), "--target", "status")

    assert error.returncode == 2
    assert "nope.csv" in str(error)


def test_a_missing_target_column_is_named_with_the_columns_there_are(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    _bank_extract(rows=50).to_csv(path, index=False)

    error = _error("--csv", str(path), "--target", "outcome")

    assert error.returncode == 2
    assert "'outcome'" in str(error)
    assert "months_in_arrears" in str(error)


def test_a_text_target_without_positive_asks_for_it(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    _bank_extract(rows=50).to_csv(path, index=False)

    error = _error("--csv", str(path), "--target", "status")

    assert error.returncode == 2
    assert "--positive" in str(error)
    assert "'status'" in str(error)


def test_a_positive_value_that_never_occurs_lists_the_values(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    _bank_extract(rows=50).to_csv(path, index=False)

    error = _error("--csv", str(path), "--target", "status", "--positive", "Bad")

    assert error.returncode == 2
    assert "'Bad'" in str(error)
    assert "good" in str(error)


def test_a_one_class_target_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "all_good.csv"
    frame = _bank_extract(rows=50)
    frame["status"] = "good"
    frame.to_csv(path, index=False)

    error = _error("--csv", str(path), "--target", "status", "--positive", "good")

    assert error.returncode == 2
    assert "only one class" in str(error)


def test_too_few_events_for_five_folds_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rare.csv"
    frame = _bank_extract(rows=50)
    frame["status"] = ["bad"] * 3 + ["good"] * 47
    frame.to_csv(path, index=False)

    error = _error("--csv", str(path), "--target", "status", "--positive", "bad")

    assert error.returncode == 2
    assert "3 rows" in str(error)
