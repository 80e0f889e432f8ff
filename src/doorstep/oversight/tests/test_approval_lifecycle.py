"""The approval lifecycle table: every allowed transition with its guard, every other refused."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import pytest

from doorstep.oversight.approval_lifecycle import (
    ALREADY_VOTED,
    NEEDS_REASON,
    NO_NEXT_LEVEL,
    NOT_ALLOWED,
    NOT_OVERDUE,
    NOT_ROUTED,
    ONLY_REQUESTER,
    OWN_REQUEST,
    QUORUM_NOT_REACHED,
    TRANSITIONS,
    ApprovalStatus,
    Facts,
    TransitionRefused,
    check,
    vote_problem,
)

S = ApprovalStatus
CHECKER = Facts(
    actor_is_requester=False,
    actor_qualifies=True,
    already_voted=False,
    approvals=1,
    quorum=1,
    overdue=False,
    has_next_level=True,
    reason="fine",
)
MAKER = replace(CHECKER, actor_is_requester=True, actor_qualifies=False)
OVERDUE = replace(CHECKER, overdue=True)

ALLOWED = {
    (S.PENDING, S.APPROVED): CHECKER,
    (S.PENDING, S.REJECTED): CHECKER,
    (S.PENDING, S.ESCALATED): OVERDUE,
    (S.PENDING, S.WITHDRAWN): MAKER,
    (S.ESCALATED, S.APPROVED): CHECKER,
    (S.ESCALATED, S.REJECTED): CHECKER,
    (S.ESCALATED, S.ESCALATED): OVERDUE,
    (S.ESCALATED, S.WITHDRAWN): MAKER,
}


def test_the_table_is_exactly_the_allowed_transitions() -> None:
    assert set(TRANSITIONS) == set(ALLOWED)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_each_allowed_transition_passes_with_its_facts(current, target) -> None:
    check(current, target, ALLOWED[(current, target)])


@pytest.mark.parametrize(
    ("current", "target"),
    [pair for pair in product(S, S) if pair not in ALLOWED],
)
def test_every_other_transition_is_refused(current, target) -> None:
    with pytest.raises(TransitionRefused) as refused:
        check(current, target, CHECKER)
    assert refused.value.message == NOT_ALLOWED


@pytest.mark.parametrize("target", [S.APPROVED, S.REJECTED])
def test_nobody_decides_their_own_request(target) -> None:
    with pytest.raises(TransitionRefused) as refused:
        check(S.PENDING, target, replace(CHECKER, actor_is_requester=True))
    assert refused.value.message == OWN_REQUEST


@pytest.mark.parametrize(
    ("facts", "problem"),
    [
        (replace(CHECKER, actor_qualifies=False), NOT_ROUTED),
        (replace(CHECKER, already_voted=True), ALREADY_VOTED),
        (replace(CHECKER, reason="  "), NEEDS_REASON),
        (CHECKER, None),
    ],
)
def test_a_vote_needs_a_routed_checker_deciding_once_with_a_reason(facts, problem) -> None:
    assert vote_problem(facts) == problem


def test_approval_waits_for_the_quorum() -> None:
    with pytest.raises(TransitionRefused) as refused:
        check(S.PENDING, S.APPROVED, replace(CHECKER, approvals=1, quorum=2))
    assert refused.value.message == QUORUM_NOT_REACHED
    assert str(refused.value) == "1 of 2 approvals so far."


def test_escalation_needs_an_overdue_request_and_a_higher_level() -> None:
    with pytest.raises(TransitionRefused) as early:
        check(S.PENDING, S.ESCALATED, CHECKER)
    with pytest.raises(TransitionRefused) as top:
        check(S.ESCALATED, S.ESCALATED, replace(OVERDUE, has_next_level=False))
    assert (early.value.message, top.value.message) == (NOT_OVERDUE, NO_NEXT_LEVEL)


def test_only_the_requester_withdraws_and_says_why() -> None:
    with pytest.raises(TransitionRefused) as other:
        check(S.PENDING, S.WITHDRAWN, CHECKER)
    with pytest.raises(TransitionRefused) as silent:
        check(S.PENDING, S.WITHDRAWN, replace(MAKER, reason=""))
    assert (other.value.message, silent.value.message) == (ONLY_REQUESTER, NEEDS_REASON)
