"""The visit state machine, exhaustively: the table, its guards, and the risk weights."""

from __future__ import annotations

from datetime import time

import pytest

from doorstep.visits import lifecycle, risk
from doorstep.visits.lifecycle import Facts, Status, TransitionRefused

READY = Facts(team_size=2, has_date=True)


def test_every_status_but_the_terminal_ones_leads_somewhere() -> None:
    for status in Status:
        terminal = status in {Status.REPORTED, Status.CANCELLED}
        assert bool(lifecycle.allowed_targets(status)) is not terminal


def test_a_move_not_in_the_table_is_refused_naming_both_statuses() -> None:
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.check(Status.PROPOSED, Status.CHECKED_IN, READY)
    assert refused.value.params == {"current": "proposed", "target": "checked_in"}


def test_scheduling_needs_a_team_of_two() -> None:
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.check(Status.PROPOSED, Status.SCHEDULED, Facts(team_size=1, has_date=True))
    assert refused.value.message == lifecycle.NEEDS_TEAM


def test_scheduling_a_visit_that_needs_approval_waits_for_it() -> None:
    facts = Facts(team_size=2, has_date=True, needs_approval=True)
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.check(Status.PROPOSED, Status.SCHEDULED, facts)
    assert refused.value.message == lifecycle.NEEDS_APPROVAL
    approved = Facts(team_size=2, has_date=True, needs_approval=True, approved=True)
    lifecycle.check(Status.APPROVED, Status.SCHEDULED, approved)


def test_cancelling_and_rescheduling_need_a_reason() -> None:
    for target in (Status.CANCELLED, Status.RESCHEDULED):
        with pytest.raises(TransitionRefused) as refused:
            lifecycle.check(Status.SCHEDULED, target, Facts(reason="  "))
        assert refused.value.message == lifecycle.NEEDS_REASON


def test_an_abort_names_why_and_gives_a_reason() -> None:
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.check(Status.CHECKED_IN, Status.ABORTED, Facts(reason="dog", abort_reason="x"))
    assert refused.value.message == lifecycle.NEEDS_ABORT_REASON
    lifecycle.check(Status.CHECKED_IN, Status.ABORTED, Facts(reason="dog", abort_reason="safety"))


def test_completing_needs_a_known_outcome() -> None:
    with pytest.raises(TransitionRefused):
        lifecycle.check(Status.CHECKED_IN, Status.COMPLETED, Facts(outcome="chatted"))
    lifecycle.check(Status.CHECKED_IN, Status.COMPLETED, Facts(outcome="promise"))


def test_only_arriving_at_the_door_is_a_contact() -> None:
    assert {
        (Status.SCHEDULED, Status.CHECKED_IN),
        (Status.EN_ROUTE, Status.CHECKED_IN),
    } == lifecycle.CONTACT_TRANSITIONS


def test_every_outcome_maps_to_a_contact_outcome() -> None:
    assert set(lifecycle.CONTACT_OUTCOME) == set(lifecycle.Outcome)
    assert lifecycle.CONTACT_OUTCOME[lifecycle.Outcome.PROMISE] == "demand_stated"
    assert lifecycle.CONTACT_OUTCOME[lifecycle.Outcome.NOT_HOME] == "not_home"


def test_a_quiet_history_with_a_senior_team_is_low_risk() -> None:
    assessment = risk.assess(risk.RiskFacts(arrival=time(10), team_years=(1, 5)))
    assert (assessment.score, assessment.level, assessment.needs_approval) == (0, "low", False)


def test_threats_and_incidents_make_a_visit_high_risk_needing_a_senior_and_approval() -> None:
    assessment = risk.assess(
        risk.RiskFacts(threats=1, address_incidents=2, arrival=time(16, 30), team_years=(1, 2))
    )
    assert assessment.score == 30 + 30 + 10 + 5
    assert assessment.level is risk.Level.HIGH
    assert assessment.needs_senior
    assert assessment.needs_approval
    assert [f.code for f in assessment.factors] == [
        "threats",
        "address_incidents",
        "late",
        "junior_team",
    ]


def test_history_points_are_capped_and_the_score_tops_out_at_100() -> None:
    assessment = risk.assess(
        risk.RiskFacts(threats=9, address_incidents=9, complaints=9, refusals=9)
    )
    assert assessment.score == 100
    assert [f.points for f in assessment.factors] == [45, 30, 20, 15, 10]


def test_approval_starts_exactly_at_the_threshold() -> None:
    assessment = risk.assess(risk.RiskFacts(threats=1, complaints=1, team_years=(0,)))
    assert assessment.score == risk.APPROVAL_FROM
    assert assessment.needs_approval
    below = risk.assess(risk.RiskFacts(threats=1, complaints=1, team_years=(4,)))
    assert below.score == risk.APPROVAL_FROM - 10
    assert not below.needs_approval
