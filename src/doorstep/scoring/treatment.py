"""Recommended treatment per case under capacity (numpy, no Django).

Each case gets the treatment with the highest expected recovery net of its cost, where the
chance of paying after a treatment is the model's P(pay) times the treatment's lift (capped),
and calls and field visits are limited by tomorrow's phone minutes and visit slots:

* a customer in distress (payments reversed, sudden balance rise, or no income left after
  declared debts) goes to **hardship review** — a person looks before anyone collects;
* a case long past due with a large exposure goes to **legal hand-off** when a suit (which
  recovers a share of the exposure whatever the debtor's willingness) is worth more than a visit;
* visits, then calls, are handed out greedily by the value they add over the next best option
  per unit of capacity (a fractional-knapsack rule, optimal when items are small against the
  capacity, and explainable case by case); everyone else gets an **SMS**;
* a contact channel a compliance hold does not allow is never recommended; a held case with no
  allowed channel gets **hold** (nothing to do until the hold ends).

Lifts and costs are bank policy defaults, not estimates: ``Policy`` names each one so a bank
replaces them with its own champion-challenger results. The field visits recommended here feed
the planner, which decides the routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray


class Treatment(StrEnum):
    SMS = "sms"
    CALL = "call"
    VISIT = "visit"
    LEGAL = "legal"
    HARDSHIP = "hardship"
    HOLD = "hold"


CONTACT_CHANNEL = {Treatment.SMS: "sms", Treatment.CALL: "call", Treatment.VISIT: "visit"}


@dataclass(frozen=True)
class Policy:
    lift: dict[Treatment, float] = field(
        default_factory=lambda: {
            Treatment.SMS: 1.0,
            Treatment.CALL: 1.25,
            Treatment.VISIT: 1.6,
        }
    )
    cost: dict[Treatment, float] = field(
        default_factory=lambda: {
            Treatment.SMS: 0.5,
            Treatment.CALL: 12.0,
            Treatment.VISIT: 240.0,
            Treatment.LEGAL: 1500.0,
        }
    )
    # A suit recovers a share of what is recoverable whatever the debtor's willingness to pay.
    legal_recovery: float = 0.35
    call_minutes: float = 8.0
    phone_minutes: float = 8.0 * 60 * 20  # 20 phone agents, 8 hours
    visits: int = 8 * 10  # 10 field teams, 8 visits a day
    legal_min_dpd: int = 180
    legal_min_exposure: float = 50_000.0
    max_probability: float = 0.95


# Distress, for hardship review: repeated reversed payments, or declared other debts that no
# income could plausibly repay (on the demo book the median is 6.6 years' income, the 95th
# percentile 22).
DISTRESS_REVERSALS = 2
DISTRESS_DEBT_YEARS = 20.0


def distress_of(
    reversals: NDArray[np.float64], debts_to_income: NDArray[np.float64]
) -> NDArray[np.bool_]:
    debts = np.nan_to_num(debts_to_income, nan=0.0)
    return np.asarray(
        (np.nan_to_num(reversals) >= DISTRESS_REVERSALS) | (debts >= DISTRESS_DEBT_YEARS)
    )


@dataclass(frozen=True)
class Plan:
    treatment: list[Treatment]
    value: NDArray[np.float64]  # expected recovery net of cost under the chosen treatment
    visit_uplift: NDArray[np.float64]  # what a visit adds over the best alternative, for planning


def recommend(
    *,
    p_pay: NDArray[np.float64],
    recoverable: NDArray[np.float64],
    dpd: NDArray[np.int64],
    distress: NDArray[np.bool_],
    allowed: list[frozenset[str] | None],
    policy: Policy | None = None,
) -> Plan:
    """``recoverable`` is exposure × (1 − segment loss); ``allowed`` is None for a case without
    holds, else the contact channels its holds still let through."""
    rules = policy or Policy()
    n = p_pay.size

    def value(treatment: Treatment) -> NDArray[np.float64]:
        chance = np.minimum(p_pay * rules.lift[treatment], rules.max_probability)
        return np.asarray(chance * recoverable - rules.cost[treatment], dtype=np.float64)

    values = {t: value(t) for t in (Treatment.SMS, Treatment.CALL, Treatment.VISIT)}
    values[Treatment.LEGAL] = rules.legal_recovery * recoverable - rules.cost[Treatment.LEGAL]
    can = {
        t: np.array([a is None or CONTACT_CHANNEL[t] in a for a in allowed], dtype=bool)
        for t in CONTACT_CHANNEL
    }
    chosen = np.full(n, "", dtype=object)
    result = np.zeros(n)
    chosen[distress] = Treatment.HARDSHIP
    legal = (
        ~distress
        & (dpd >= rules.legal_min_dpd)
        & (recoverable >= rules.legal_min_exposure)
        & (values[Treatment.LEGAL] > values[Treatment.VISIT])
    )
    chosen[legal] = Treatment.LEGAL
    result[legal] = values[Treatment.LEGAL][legal]
    open_cases = chosen == ""
    fallback = np.where(can[Treatment.SMS], values[Treatment.SMS], 0.0)
    best_call = np.where(can[Treatment.CALL], values[Treatment.CALL], -np.inf)
    visit_uplift = np.where(
        can[Treatment.VISIT], values[Treatment.VISIT] - np.maximum(fallback, best_call), -np.inf
    )

    slots = rules.visits
    for i in np.argsort(-visit_uplift, kind="stable"):
        if slots == 0 or visit_uplift[i] <= 0:
            break
        if open_cases[i]:
            chosen[i], result[i], open_cases[i] = Treatment.VISIT, values[Treatment.VISIT][i], False
            slots -= 1
    call_gain = (best_call - fallback) / rules.call_minutes
    minutes = rules.phone_minutes
    for i in np.argsort(-call_gain, kind="stable"):
        if minutes < rules.call_minutes or call_gain[i] <= 0:
            break
        if open_cases[i]:
            chosen[i], result[i], open_cases[i] = Treatment.CALL, values[Treatment.CALL][i], False
            minutes -= rules.call_minutes
    sms = open_cases & can[Treatment.SMS]
    chosen[sms] = Treatment.SMS
    result[sms] = values[Treatment.SMS][sms]
    chosen[open_cases & ~can[Treatment.SMS]] = Treatment.HOLD
    return Plan(
        treatment=[Treatment(t) for t in chosen],
        value=result,
        visit_uplift=np.where(np.isfinite(visit_uplift), np.maximum(visit_uplift, 0.0), 0.0),
    )
