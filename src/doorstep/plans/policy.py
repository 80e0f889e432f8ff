"""Repayment policy as data, and the authority each level of staff has to grant terms.

Pure (no Django). A policy is a JSON document stored per product and bucket, versioned and
effective from a date (``plans.models.PlanPolicy``); this module validates it and judges an
offer's terms against it: which terms the policy forbids outright, and which level of
authority (agent, manager, committee) must grant the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Any

from doorstep.core.i18n import gettext_noop
from doorstep.plans.allocation import DEFAULT_ORDER, check_order
from doorstep.plans.schedule import HUNDRED, MAX_MONTHS, ZERO, PlanType, Roll, Schedule, Terms


class Level(IntEnum):
    """Who may grant: each level may grant everything the levels below it may."""

    AGENT = 1
    MANAGER = 2
    COMMITTEE = 3


@dataclass(frozen=True)
class Limit:
    """The most one level may grant on its own."""

    max_months: int
    max_principal_discount_pct: Decimal
    max_interest_waiver_pct: Decimal
    max_penalty_waiver_pct: Decimal


@dataclass(frozen=True)
class Policy:
    plan_types: frozenset[PlanType]
    max_months: Mapping[PlanType, int]
    max_penalty_waiver_pct: Decimal
    max_interest_waiver_pct: Decimal
    max_settlement_discount_pct: Decimal
    max_holiday_months: int
    min_first_payment_pct: Decimal  # of the financed amount
    allocation_order: tuple[str, ...]
    grace_days: int  # an instalment unpaid this many days after its due date breaks the plan
    roll: Roll
    limits: Mapping[Level, Limit]  # AGENT and MANAGER; the committee has no limit below policy


DEFAULT_RULES: dict[str, Any] = {
    "plan_types": ["instalments", "equal_principal", "interest_freeze", "settlement"],
    "max_months": {
        "instalments": 36,
        "equal_principal": 36,
        "interest_freeze": 60,
        "settlement": 1,
    },
    "max_penalty_waiver_pct": "100",
    "max_interest_waiver_pct": "100",
    "max_settlement_discount_pct": "30",
    "max_holiday_months": 3,
    "min_first_payment_pct": "0",
    "allocation_order": list(DEFAULT_ORDER),
    "grace_days": 7,
    "roll": "following",
    "limits": {
        "agent": {
            "max_months": 12,
            "max_principal_discount_pct": "0",
            "max_interest_waiver_pct": "50",
            "max_penalty_waiver_pct": "100",
        },
        "manager": {
            "max_months": 36,
            "max_principal_discount_pct": "10",
            "max_interest_waiver_pct": "100",
            "max_penalty_waiver_pct": "100",
        },
    },
}

ORDER_PROBLEM = gettext_noop("name fee, penalty, interest and principal once each")
BAD_RULE = gettext_noop("%(name)s is not valid: %(problem)s")


class PolicyError(ValueError):
    def __init__(self, name: str, problem: str) -> None:
        super().__init__(BAD_RULE % {"name": name, "problem": problem})
        self.field = name
        self.problem = problem


def _pct(data: Mapping[str, Any], name: str) -> Decimal:
    try:
        value = Decimal(str(data[name]))
    except (KeyError, InvalidOperation):
        raise PolicyError(name, gettext_noop("a percentage from 0 to 100 is required")) from None
    if not value.is_finite() or not ZERO <= value <= HUNDRED:
        raise PolicyError(name, gettext_noop("a percentage from 0 to 100 is required"))
    return value


def _whole(data: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise PolicyError(name, gettext_noop("a whole number in the allowed range is required"))
    return value


def parse_policy(data: Mapping[str, Any]) -> Policy:
    """Validate a policy document; every problem names the rule."""
    if not isinstance(data, Mapping):
        raise PolicyError("rules", gettext_noop("an object is required"))
    try:
        types = frozenset(PlanType(value) for value in data.get("plan_types", []))
    except (ValueError, TypeError):
        raise PolicyError("plan_types", gettext_noop("unknown plan type")) from None
    if not types:
        raise PolicyError("plan_types", gettext_noop("at least one plan type is required"))
    months_raw = data.get("max_months", {})
    if not isinstance(months_raw, Mapping):
        raise PolicyError("max_months", gettext_noop("an object is required"))
    max_months = {
        kind: _whole(months_raw, kind.value, 1, 1 if kind is PlanType.SETTLEMENT else MAX_MONTHS)
        for kind in types
    }
    try:
        order = check_order(list(data.get("allocation_order", [])))
    except (ValueError, TypeError):
        raise PolicyError("allocation_order", ORDER_PROBLEM) from None
    try:
        rule = Roll(data.get("roll", "following"))
    except ValueError:
        raise PolicyError("roll", gettext_noop("unknown business-day convention")) from None
    limits_raw = data.get("limits", {})
    if not isinstance(limits_raw, Mapping):
        raise PolicyError("limits", gettext_noop("an object is required"))
    limits = {}
    for level in (Level.AGENT, Level.MANAGER):
        raw = limits_raw.get(level.name.lower())
        if not isinstance(raw, Mapping):
            raise PolicyError(f"limits.{level.name.lower()}", gettext_noop("an object is required"))
        limits[level] = Limit(
            max_months=_whole(raw, "max_months", 1, MAX_MONTHS),
            max_principal_discount_pct=_pct(raw, "max_principal_discount_pct"),
            max_interest_waiver_pct=_pct(raw, "max_interest_waiver_pct"),
            max_penalty_waiver_pct=_pct(raw, "max_penalty_waiver_pct"),
        )
    agent, manager = limits[Level.AGENT], limits[Level.MANAGER]
    if agent.max_months > manager.max_months or any(
        getattr(agent, name) > getattr(manager, name)
        for name in (
            "max_principal_discount_pct",
            "max_interest_waiver_pct",
            "max_penalty_waiver_pct",
        )
    ):
        raise PolicyError(
            "limits.agent", gettext_noop("an agent's limit cannot exceed a manager's")
        )
    return Policy(
        plan_types=types,
        max_months=max_months,
        max_penalty_waiver_pct=_pct(data, "max_penalty_waiver_pct"),
        max_interest_waiver_pct=_pct(data, "max_interest_waiver_pct"),
        max_settlement_discount_pct=_pct(data, "max_settlement_discount_pct"),
        max_holiday_months=_whole(data, "max_holiday_months", 0, 6),
        min_first_payment_pct=_pct(data, "min_first_payment_pct"),
        allocation_order=order,
        grace_days=_whole(data, "grace_days", 0, 90),
        roll=rule,
        limits=limits,
    )


# Why an offer is outside policy; constants so services translate and tests assert them.
TYPE_NOT_ALLOWED = gettext_noop("This policy does not allow this kind of plan.")
TOO_LONG = gettext_noop("This policy allows at most %(limit)s months for this kind of plan.")
WAIVER_TOO_HIGH = gettext_noop("This policy caps this waiver at %(limit)s %%.")
DISCOUNT_TOO_HIGH = gettext_noop("This policy caps the settlement discount at %(limit)s %%.")
HOLIDAY_TOO_LONG = gettext_noop("This policy allows a payment holiday of at most %(limit)s months.")
FIRST_TOO_SMALL = gettext_noop("The first payment must be at least %(amount)s.")


@dataclass(frozen=True)
class Breach:
    field: str
    message: str
    params: Mapping[str, str]


def policy_breaches(policy: Policy, schedule: Schedule) -> list[Breach]:
    """Terms the policy forbids for everyone (no approval can grant them)."""
    terms = schedule.terms
    found: list[Breach] = []
    if terms.plan_type not in policy.plan_types:
        return [Breach("plan_type", TYPE_NOT_ALLOWED, {})]
    if terms.months > policy.max_months[terms.plan_type]:
        limit = str(policy.max_months[terms.plan_type])
        found.append(Breach("months", TOO_LONG, {"limit": limit}))
    for name, cap in (
        ("penalty_waiver_pct", policy.max_penalty_waiver_pct),
        ("interest_waiver_pct", policy.max_interest_waiver_pct),
    ):
        if getattr(terms, name) > cap:
            found.append(Breach(name, WAIVER_TOO_HIGH, {"limit": str(cap)}))
    if terms.principal_discount_pct > policy.max_settlement_discount_pct:
        limit = str(policy.max_settlement_discount_pct)
        found.append(Breach("principal_discount_pct", DISCOUNT_TOO_HIGH, {"limit": limit}))
    if terms.holiday_months > policy.max_holiday_months:
        limit = str(policy.max_holiday_months)
        found.append(Breach("holiday_months", HOLIDAY_TOO_LONG, {"limit": limit}))
    minimum = (schedule.financed * policy.min_first_payment_pct / HUNDRED).quantize(Decimal("0.01"))
    if schedule.first_amount < minimum:
        found.append(Breach("first_payment", FIRST_TOO_SMALL, {"amount": f"{minimum:.2f}"}))
    return found


def _within(limit: Limit, terms: Terms) -> bool:
    return (
        terms.months <= limit.max_months
        and terms.principal_discount_pct <= limit.max_principal_discount_pct
        and terms.interest_waiver_pct <= limit.max_interest_waiver_pct
        and terms.penalty_waiver_pct <= limit.max_penalty_waiver_pct
    )


def required_level(policy: Policy, terms: Terms) -> Level:
    """The lowest level whose limit covers every term (the committee covers the rest)."""
    for level in (Level.AGENT, Level.MANAGER):
        if _within(policy.limits[level], terms):
            return level
    return Level.COMMITTEE
