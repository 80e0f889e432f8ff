"""The case lifecycle, checked against an independent statement of what is allowed."""

from __future__ import annotations

import itertools

import pytest

from doorstep.cases import lifecycle
from doorstep.cases.lifecycle import Facts, Status, TransitionRefused

S = Status
ALLOWED = {
    (S.NEW, S.ACTIVE),
    (S.NEW, S.CLOSED_CURED),
    (S.ACTIVE, S.PROMISED),
    (S.ACTIVE, S.IN_PLAN),
    (S.ACTIVE, S.LEGAL),
    (S.ACTIVE, S.CLOSED_CURED),
    (S.ACTIVE, S.CLOSED_SETTLED),
    (S.ACTIVE, S.CLOSED_WRITTEN_OFF),
    (S.PROMISED, S.ACTIVE),
    (S.PROMISED, S.IN_PLAN),
    (S.PROMISED, S.LEGAL),
    (S.PROMISED, S.CLOSED_CURED),
    (S.PROMISED, S.CLOSED_SETTLED),
    (S.IN_PLAN, S.ACTIVE),
    (S.IN_PLAN, S.LEGAL),
    (S.IN_PLAN, S.CLOSED_CURED),
    (S.IN_PLAN, S.CLOSED_SETTLED),
    (S.LEGAL, S.ACTIVE),
    (S.LEGAL, S.CLOSED_CURED),
    (S.LEGAL, S.CLOSED_SETTLED),
    (S.LEGAL, S.CLOSED_WRITTEN_OFF),
    (S.NEW, S.CLOSED_SOLD),
    (S.ACTIVE, S.CLOSED_SOLD),
    (S.PROMISED, S.CLOSED_SOLD),
    (S.IN_PLAN, S.CLOSED_SOLD),
    (S.LEGAL, S.CLOSED_SOLD),
}
ALL_PAIRS = list(itertools.product(Status, Status))

# Facts under which every guard holds for its own target.
PASSING = {
    S.ACTIVE: Facts(dpd=40, has_agent=True, reason="promise broken"),
    S.PROMISED: Facts(dpd=40, has_agent=True, reason="will pay 3,000 on 1 July"),
    S.IN_PLAN: Facts(dpd=40, has_agent=True, reason="12 instalments agreed"),
    S.LEGAL: Facts(dpd=40, has_agent=True, reason="handed to legal"),
    S.CLOSED_CURED: Facts(dpd=0, has_agent=True, reason=""),
    S.CLOSED_SETTLED: Facts(dpd=40, has_agent=True, reason="settled at 70%"),
    S.CLOSED_WRITTEN_OFF: Facts(dpd=200, has_agent=True, reason="uncollectable"),
    S.CLOSED_SOLD: Facts(dpd=40, has_agent=False, reason="sold to an asset manager"),
}


def test_the_table_is_exactly_the_documented_lifecycle() -> None:
    assert set(lifecycle.TRANSITIONS) == ALLOWED


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_every_allowed_transition_passes_when_its_guard_holds(
    current: Status, target: Status
) -> None:
    lifecycle.check(current, target, PASSING[target])


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p not in ALLOWED])
def test_every_other_transition_is_refused(current: Status, target: Status) -> None:
    facts = PASSING.get(target, Facts(dpd=0, has_agent=True, reason="x"))
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.check(current, target, facts)
    assert refused.value.message == lifecycle.NOT_ALLOWED


def test_closed_statuses_are_terminal() -> None:
    for status in lifecycle.CLOSED:
        assert lifecycle.allowed_targets(status) == []


def test_work_starts_only_with_an_agent() -> None:
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.check(S.NEW, S.ACTIVE, Facts(dpd=10, has_agent=False, reason=""))
    assert refused.value.message == lifecycle.NEEDS_AGENT


@pytest.mark.parametrize("current", [S.NEW, S.ACTIVE, S.PROMISED, S.IN_PLAN, S.LEGAL])
def test_a_case_with_arrears_cannot_be_cured(current: Status) -> None:
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.check(current, S.CLOSED_CURED, Facts(dpd=1, has_agent=True, reason="paid"))
    assert refused.value.message == lifecycle.NEEDS_NO_ARREARS


@pytest.mark.parametrize("target", [S.PROMISED, S.IN_PLAN, S.LEGAL, S.CLOSED_SETTLED])
def test_changes_that_need_a_reason_refuse_a_blank_one(target: Status) -> None:
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.check(S.ACTIVE, target, Facts(dpd=40, has_agent=True, reason="   "))
    assert refused.value.message == lifecycle.NEEDS_REASON


def test_write_off_needs_180_days_and_a_reason() -> None:
    with pytest.raises(TransitionRefused) as young:
        lifecycle.check(S.LEGAL, S.CLOSED_WRITTEN_OFF, Facts(dpd=179, has_agent=True, reason="x"))
    assert young.value.message == lifecycle.NEEDS_WRITE_OFF_AGE
    with pytest.raises(TransitionRefused) as silent:
        lifecycle.check(S.LEGAL, S.CLOSED_WRITTEN_OFF, Facts(dpd=180, has_agent=True, reason=""))
    assert silent.value.message == lifecycle.NEEDS_REASON


def test_a_person_may_not_choose_to_close_a_case_as_sold() -> None:
    for current in (S.NEW, S.ACTIVE, S.PROMISED, S.IN_PLAN, S.LEGAL):
        assert S.CLOSED_SOLD not in lifecycle.allowed_targets(current)
