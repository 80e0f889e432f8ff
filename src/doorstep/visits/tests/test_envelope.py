"""The envelope checks the phone mirrors: the window's ends, the day, a refused visit, the
distance."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from doorstep.visits.envelope import Envelope, check_moment, distance_m, narrowest

SHANGHAI = ZoneInfo("Asia/Shanghai")
ENVELOPE = Envelope(
    on=date(2026, 7, 1),
    start=time(10),
    end=time(12),
    zone="Asia/Shanghai",
    allowed=True,
    rules=(),
    decision=1,
    latitude=Decimal("30.277000"),
    longitude=Decimal("120.130000"),
)


def moment(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 7, day, hour, minute, second, tzinfo=SHANGHAI)


def test_the_window_includes_its_start_and_excludes_its_end() -> None:
    assert check_moment(ENVELOPE, moment(1, 10)) == []
    assert check_moment(ENVELOPE, moment(1, 11, 59, 59)) == []
    assert check_moment(ENVELOPE, moment(1, 12)) == ["CN-VISIT-01"]


def test_the_right_hours_on_another_day_are_outside() -> None:
    assert check_moment(ENVELOPE, moment(2, 10, 30)) == ["CN-VISIT-01"]


def test_a_moment_given_in_utc_is_judged_in_the_visits_zone() -> None:
    assert check_moment(ENVELOPE, datetime(2026, 7, 1, 2, 30, tzinfo=ZoneInfo("UTC"))) == []


def test_a_visit_the_gate_refused_breaks_its_rules_at_any_time() -> None:
    refused = Envelope.from_json({**ENVELOPE.as_json(), "allowed": False, "rules": ["CN-HOL-01"]})
    assert check_moment(refused, moment(1, 10, 30)) == ["CN-HOL-01"]


def test_the_envelope_survives_its_json_form() -> None:
    assert Envelope.from_json(ENVELOPE.as_json()) == ENVELOPE


def test_windows_narrow_to_their_overlap_and_never_invert() -> None:
    assert narrowest((time(7), time(20)), (time(9), time(17))) == (time(9), time(17))
    assert narrowest((time(18), time(20)), (time(9), time(17))) == (time(18), time(18))


def test_distance_is_in_whole_metres() -> None:
    one_thousandth_degree_north = distance_m(
        Decimal("30.277"), Decimal("120.13"), Decimal("30.278"), Decimal("120.13")
    )
    assert one_thousandth_degree_north == 111
