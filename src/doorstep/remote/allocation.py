"""Automatic allocation, as pure data in and moves out (no Django import).

The same function answers the simulation and the applied run, so what a simulation shows is
exactly what applying would do on the same data (the test checks it). Rules are tried in their
order; the first that matches a case decides its team (by branch, bucket, product, amount, the
debtor's preferred language and the case's risk band from scoring). A case then:

- with no agent, or with an agent outside the rule's team (it re-aged into another bucket),
  goes to the least-loaded agent of the team under the cap (``new`` / ``realigned``); a
  vulnerable debtor's case the bank has specialists handle goes only to a specialist, and
  leaves an agent who is not one (``realigned``);
- held by the team for ``rotate_after_days`` or more without progress goes to another agent of
  the team (``rotation``); the history keeps who held it before (``cases.Assignment``);
- otherwise stays where it is. A pinned case (manual override) is never moved.

Load is counted per agent over their open cases, updated as moves are planned, so no agent ends
above the cap. A case no agent has room for is reported as ``no_capacity`` and left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class RiskBand(StrEnum):
    """From scoring's probability of paying within 30 days (the acting model's latest score)."""

    HIGH = "high"  # below 0.2
    MEDIUM = "medium"  # 0.2 to below 0.5
    LOW = "low"  # 0.5 and above
    UNSCORED = "unscored"


def risk_band(probability: float | None) -> RiskBand:
    if probability is None:
        return RiskBand.UNSCORED
    if probability < 0.2:
        return RiskBand.HIGH
    if probability < 0.5:
        return RiskBand.MEDIUM
    return RiskBand.LOW


class Reason(StrEnum):
    NEW = "new"
    REALIGNED = "realigned"
    ROTATION = "rotation"
    NO_CAPACITY = "no_capacity"


@dataclass(frozen=True)
class Rule:
    id: int
    team_id: int
    branch_id: int | None = None  # None: any branch (the team's branch still has to match)
    buckets: frozenset[str] = frozenset()  # empty: any bucket
    products: frozenset[str] = frozenset()  # empty: any product
    min_amount: Decimal | None = None  # past due, inclusive
    max_amount: Decimal | None = None
    agent_cap: int = 200
    rotate_after_days: int | None = None
    languages: frozenset[str] = frozenset()  # empty: any; else only agents who speak it
    risk_bands: frozenset[str] = frozenset()  # empty: any band

    def matches(self, case: CaseFacts) -> bool:
        if self.languages and case.language not in self.languages:
            return False
        if self.risk_bands and case.risk_band not in self.risk_bands:
            return False
        if self.branch_id is not None and case.branch_id != self.branch_id:
            return False
        if self.buckets and case.bucket not in self.buckets:
            return False
        if self.products and not self.products & case.products:
            return False
        if self.min_amount is not None and case.past_due < self.min_amount:
            return False
        return not (self.max_amount is not None and case.past_due > self.max_amount)


@dataclass(frozen=True)
class CaseFacts:
    id: int
    branch_id: int
    bucket: str
    products: frozenset[str]
    past_due: Decimal
    agent_id: int | None
    last_progress: date  # the later of the assignment's start and the last progress
    pinned: bool = False
    specialist: bool = False  # a vulnerable debtor the bank has specialists handle
    language: str = "zh-hans"  # the debtor's preferred language
    risk_band: str = RiskBand.UNSCORED.value


@dataclass(frozen=True)
class Agent:
    id: int
    team_id: int
    branch_id: int
    load: int  # open cases held now
    specialist: bool = False
    languages: frozenset[str] = frozenset({"zh-hans"})


@dataclass(frozen=True)
class Move:
    case_id: int
    rule_id: int
    team_id: int
    from_agent: int | None
    to_agent: int | None  # None with NO_CAPACITY
    reason: Reason


def plan(
    *, cases: Sequence[CaseFacts], rules: Sequence[Rule], agents: Sequence[Agent], as_of: date
) -> list[Move]:
    """The moves the rules make on ``cases`` as of ``as_of``, largest past due first (so when
    capacity runs out it is the smallest debts that wait), ties by case id."""
    load = {agent.id: agent.load for agent in agents}
    team_of = {agent.id: agent.team_id for agent in agents}
    specialists = {agent.id for agent in agents if agent.specialist}
    by_team: dict[int, list[Agent]] = {}
    for agent in sorted(agents, key=lambda a: a.id):
        by_team.setdefault(agent.team_id, []).append(agent)
    moves = []
    for case in sorted(cases, key=lambda c: (-c.past_due, c.id)):
        if case.pinned:
            continue
        rule = next((rule for rule in rules if rule.matches(case)), None)
        if rule is None:
            continue
        members = [
            a
            for a in by_team.get(rule.team_id, [])
            if a.branch_id == case.branch_id
            and (a.specialist or not case.specialist)
            and (not rule.languages or case.language in a.languages)
        ]
        if case.agent_id is None:
            reason = Reason.NEW
        elif (
            team_of.get(case.agent_id) != rule.team_id
            or (case.specialist and case.agent_id not in specialists)
            or (bool(rule.languages) and case.agent_id not in {a.id for a in members})
        ):
            reason = Reason.REALIGNED
        elif (
            rule.rotate_after_days is not None
            and (as_of - case.last_progress).days >= rule.rotate_after_days
        ):
            reason = Reason.ROTATION
        else:
            continue
        room = [a for a in members if a.id != case.agent_id and load[a.id] < rule.agent_cap]
        if not room:
            moves.append(
                Move(case.id, rule.id, rule.team_id, case.agent_id, None, Reason.NO_CAPACITY)
            )
            continue
        chosen = min(room, key=lambda a: (load[a.id], a.id))
        load[chosen.id] += 1
        if case.agent_id is not None and case.agent_id in load:
            load[case.agent_id] -= 1
        moves.append(Move(case.id, rule.id, rule.team_id, case.agent_id, chosen.id, reason))
    return moves
