"""Treatment recommendation under capacity, holds and distress."""

from __future__ import annotations

import numpy as np

from doorstep.scoring.treatment import Policy, Treatment, distress_of, recommend

NO_HOLDS: list[frozenset[str] | None] = [None] * 5


def _cases() -> dict[str, np.ndarray]:
    return {
        "p_pay": np.array([0.3, 0.3, 0.3, 0.05, 0.6]),
        "recoverable": np.array([20_000.0, 8_000.0, 500.0, 90_000.0, 3_000.0]),
        "dpd": np.array([40, 40, 40, 400, 10]),
        "distress": np.zeros(5, dtype=bool),
    }


def test_visits_go_where_they_add_most_and_calls_fill_the_phone_minutes() -> None:
    policy = Policy(visits=1, phone_minutes=8.0)

    plan = recommend(**_cases(), allowed=NO_HOLDS, policy=policy)

    # Visit uplift: 0.3×1.6×20,000−240 − (0.3×1.25×20,000−12) = 2,052 for case 0, the largest.
    assert plan.treatment[0] == Treatment.VISIT
    assert plan.visit_uplift[0] == np.float64(0.3 * 1.6 * 20_000 - 240 - (0.3 * 1.25 * 20_000 - 12))
    # One call's worth of minutes: case 1 gains most from a call over an SMS.
    assert plan.treatment[1] == Treatment.CALL
    assert plan.treatment[2] == Treatment.SMS
    # 400 days late, 90,000 recoverable: legal is worth more than a visit.
    assert plan.treatment[3] == Treatment.LEGAL
    assert plan.treatment[4] == Treatment.SMS
    assert plan.value[2] == 0.3 * 500 - 0.5


def test_no_capacity_means_sms_for_everyone_not_handed_to_legal() -> None:
    plan = recommend(**_cases(), allowed=NO_HOLDS, policy=Policy(visits=0, phone_minutes=0))

    assert plan.treatment == [
        Treatment.SMS,
        Treatment.SMS,
        Treatment.SMS,
        Treatment.LEGAL,
        Treatment.SMS,
    ]


def test_holds_remove_channels_and_distress_goes_to_hardship_review() -> None:
    cases = _cases()
    cases["distress"] = np.array([False, True, False, False, False])
    allowed: list[frozenset[str] | None] = [frozenset({"sms"}), None, frozenset(), None, None]

    plan = recommend(**cases, allowed=allowed, policy=Policy(visits=5, phone_minutes=1000))

    assert plan.treatment[0] == Treatment.SMS  # its hold lets only SMS through
    assert plan.visit_uplift[0] == 0.0
    assert plan.treatment[1] == Treatment.HARDSHIP
    assert plan.treatment[2] == Treatment.HOLD  # nothing allowed at all


def test_distress_is_repeated_reversals_or_debts_of_years_of_income() -> None:
    flags = distress_of(np.array([0, 2, 0, 1.0]), np.array([0.5, 0.1, 25.0, np.nan]))

    assert flags.tolist() == [False, True, True, False]
