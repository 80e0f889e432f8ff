"""The pure parts: rates, summing, limitation bands."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from doorstep.reports.charts.limitation import EXPIRED, NOT_RUNNING, OVER, band
from doorstep.reports.charts.roll_rates import month_start_eve
from doorstep.reports.figures import Cell, by_key, rate


def test_a_rate_of_an_empty_group_is_none_not_zero() -> None:
    assert rate(0, 0) is None
    assert rate(1, 3) == Decimal("0.3333")
    assert rate(Decimal("2.00"), Decimal("3.00")) == Decimal("0.6667")


def test_by_key_adds_the_cells_of_a_key_across_second_keys() -> None:
    cells = [
        Cell("2026-05", "cured", 1, Decimal("0.00"), Decimal("0.00")),
        Cell("2026-05", "not_cured", 2, Decimal("10.00"), Decimal("4.00")),
        Cell("2026-06", "not_cured", 1, Decimal("5.50"), Decimal("0.00")),
    ]
    assert by_key(cells) == {
        "2026-05": Cell("2026-05", "", 3, Decimal("10.00"), Decimal("4.00")),
        "2026-06": Cell("2026-06", "", 1, Decimal("5.50"), Decimal("0.00")),
    }


def test_limitation_bands_put_the_boundaries_in_the_tighter_band() -> None:
    assert band(None, time_barred=False) == NOT_RUNNING
    assert band(-1, time_barred=False) == EXPIRED
    assert band(5, time_barred=True) == EXPIRED
    assert band(0, time_barred=False) == "30"
    assert band(30, time_barred=False) == "30"
    assert band(31, time_barred=False) == "90"
    assert band(731, time_barred=False) == OVER


def test_month_start_eve_is_the_last_day_of_the_previous_month() -> None:
    assert month_start_eve(date(2026, 3, 15)) == date(2026, 2, 28)
    assert month_start_eve(date(2026, 1, 1)) == date(2025, 12, 31)
