"""Day kinds: packages for the years they carry, loaded arrangements over them, else unknown."""

from __future__ import annotations

from datetime import date

import pytest

from doorstep.compliance.engine import Calendar, DayKind, EngineInputError, YearArrangement
from doorstep.compliance.engine.calendar import crosscheck

ARRANGEMENT_2027 = {
    "year": 2027,
    "rest_days": ["2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04"],
    "makeup_workdays": ["2027-09-26"],
    "names": {"2027-10-01": "national_day"},
}


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2026, 3, 2), DayKind.WORKDAY),
        (date(2026, 3, 7), DayKind.WEEKEND),
        (date(2026, 10, 1), DayKind.PUBLIC_HOLIDAY),
        (date(2026, 10, 3), DayKind.PUBLIC_HOLIDAY),  # a Saturday inside the holiday period
        (date(2026, 10, 10), DayKind.MAKEUP_WORKDAY),
        (date(2026, 2, 14), DayKind.MAKEUP_WORKDAY),
        (date(2026, 2, 23), DayKind.PUBLIC_HOLIDAY),
        (date(2027, 1, 1), DayKind.UNKNOWN),
        (date(2027, 3, 6), DayKind.UNKNOWN),  # even a Saturday is not guessed
    ],
)
def test_the_packaged_calendar_knows_2026_and_not_2027(day: date, kind: DayKind) -> None:
    assert Calendar().kind(day) is kind


def test_the_2026_arrangement_of_rules_md_is_what_the_packages_carry() -> None:
    calendar = Calendar()
    year = [
        date.fromordinal(n)
        for n in range(date(2026, 1, 1).toordinal(), date(2027, 1, 1).toordinal())
    ]

    makeup = [day for day in year if calendar.kind(day) is DayKind.MAKEUP_WORKDAY]
    spring = [day for day in year if calendar.holiday(day) == "spring_festival"]

    assert [str(day) for day in makeup] == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]
    assert (spring[0], spring[-1], len(spring)) == (date(2026, 2, 15), date(2026, 2, 23), 9)


def test_chinese_calendar_and_holidays_agree_on_2024_to_2026() -> None:
    assert crosscheck([2024, 2025, 2026]) == []


def test_a_loaded_arrangement_makes_its_year_known() -> None:
    calendar = Calendar([YearArrangement.from_dict(ARRANGEMENT_2027)])

    assert calendar.kind(date(2027, 10, 1)) is DayKind.PUBLIC_HOLIDAY
    assert calendar.holiday(date(2027, 10, 1)) == "national_day"
    assert calendar.kind(date(2027, 10, 5)) is DayKind.WORKDAY
    assert calendar.kind(date(2027, 9, 26)) is DayKind.MAKEUP_WORKDAY
    assert calendar.kind(date(2027, 3, 6)) is DayKind.WEEKEND
    assert calendar.kind(date(2028, 1, 3)) is DayKind.UNKNOWN


def test_a_loaded_arrangement_overrides_the_packages() -> None:
    corrected = YearArrangement(
        2026, rest_days=frozenset({date(2026, 3, 2)}), makeup_workdays=frozenset()
    )
    calendar = Calendar([corrected])

    assert calendar.kind(date(2026, 3, 2)) is DayKind.PUBLIC_HOLIDAY
    assert calendar.kind(date(2026, 10, 1)) is DayKind.WORKDAY
    assert calendar.holiday(date(2026, 3, 2)) is None


def test_an_arrangement_round_trips_through_its_json_form() -> None:
    arrangement = YearArrangement.from_dict(ARRANGEMENT_2027)

    assert arrangement.to_dict() == ARRANGEMENT_2027 | {
        "rest_days": sorted(ARRANGEMENT_2027["rest_days"])
    }


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"year": 1999}, "year: must be a year from 2000 to 2100"),
        ({"year": 2027, "rest_days": "2027-10-01"}, "rest_days: must be a list of dates"),
        (
            {"year": 2027, "rest_days": ["2027-13-01"]},
            "rest_days: 2027-13-01 is not a date (YYYY-MM-DD)",
        ),
        ({"year": 2027, "rest_days": ["2028-01-01"]}, "rest_days: 2028-01-01 is not in 2027"),
        (
            {"year": 2027, "makeup_workdays": ["2027-09-27"]},
            "makeup_workdays: 2027-09-27 is not a Saturday or Sunday, "
            "so it cannot be made a workday",
        ),
        (
            {"year": 2027, "rest_days": ["2027-09-26"], "makeup_workdays": ["2027-09-26"]},
            "makeup_workdays: 2027-09-26 is both a rest day and a make-up workday",
        ),
    ],
)
def test_a_bad_arrangement_names_what_is_wrong(data: dict[str, object], error: str) -> None:
    with pytest.raises(EngineInputError) as raised:
        YearArrangement.from_dict(data)

    assert str(raised.value) == error


def test_without_packages_only_loaded_years_are_known() -> None:
    calendar = Calendar(use_packages=False)

    assert calendar.kind(date(2026, 10, 1)) is DayKind.UNKNOWN


def test_the_next_workday_skips_rest_days_and_says_when_it_guessed() -> None:
    calendar = Calendar()

    assert calendar.next_workday(date(2026, 2, 15)) == (date(2026, 2, 24), False)
    assert calendar.next_workday(date(2026, 2, 14)) == (date(2026, 2, 14), False)
    assert calendar.next_workday(date(2027, 2, 28)) == (date(2027, 3, 1), True)
