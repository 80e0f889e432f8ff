"""Quality review (质检) of calls, as pure rules: the checklist, the risk of each call, and the
sample (no Django import).

Sampling per agent is either plain random or risk-weighted (Efraimidis–Spirakis: each call
draws ``u ** (1 / weight)`` and the highest keys are taken, so a call twice as risky is about
twice as likely to be picked). A seed makes the sample reproducible for the audit file.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from doorstep.core.i18n import gettext_noop


class Method(StrEnum):
    RANDOM = "random"
    RISK = "risk"


CHECKLIST: Mapping[str, str] = {
    "identity_and_purpose": gettext_noop("Identity and purpose stated first"),
    "right_party_confirmed": gettext_noop("Right party confirmed before the debt was discussed"),
    "no_threats": gettext_noop("No threats, insults or pressure"),
    "no_third_party_disclosure": gettext_noop("Nothing disclosed to a third party"),
    "correct_options": gettext_noop("The options the debtor qualifies for were offered"),
}

# How much more likely a call is to be picked under risk weighting, by outcome; a call made
# outside its gate decision weighs the most.
OUTCOME_RISK: Mapping[str, float] = {
    "dispute": 4.0,
    "refusal": 3.0,
    "third_party": 4.0,
    "wrong_number": 2.0,
    "hardship": 3.0,
    "promise": 1.5,
}
OUTSIDE_DECISION_RISK = 10.0


@dataclass(frozen=True)
class CallFacts:
    id: int
    agent_id: int
    outcome: str
    outside_decision: bool = False


def risk(call: CallFacts) -> float:
    weight = OUTCOME_RISK.get(call.outcome, 1.0)
    return weight * OUTSIDE_DECISION_RISK if call.outside_decision else weight


def sample(calls: Sequence[CallFacts], *, per_agent: int, method: Method, seed: int) -> list[int]:
    """Up to ``per_agent`` call ids of each agent, by ``method``, reproducible from ``seed``."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible audit sample, not a secret)
    by_agent: dict[int, list[CallFacts]] = {}
    for call in sorted(calls, key=lambda c: c.id):
        by_agent.setdefault(call.agent_id, []).append(call)
    chosen: list[int] = []
    for agent in sorted(by_agent):
        own = by_agent[agent]
        if method is Method.RANDOM:
            picked = rng.sample(own, min(per_agent, len(own)))
        else:
            keyed = sorted(own, key=lambda c: rng.random() ** (1 / risk(c)), reverse=True)
            picked = keyed[:per_agent]
        chosen += sorted(call.id for call in picked)
    return chosen


def score(answers: Mapping[str, bool]) -> int:
    """The share of checklist items passed, 0–100."""
    return round(100 * sum(1 for item in CHECKLIST if answers[item]) / len(CHECKLIST))
