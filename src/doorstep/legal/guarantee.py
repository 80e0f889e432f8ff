"""The guarantee period (保证期间) and whether the bank preserved its claim on the guarantor.

Pure (no Django). 民法典:

- Art 692: the period is as agreed; an agreed period that ends before or together with the
  principal debt's due date counts as no agreement; with no agreement (or an unclear one) it
  is **six months from the principal debt's due date**. It is not suspended, interrupted or
  extended. Counting follows Arts 201–203: the start day is not counted, the period ends at
  24:00 of the corresponding day (no such day: the month's last day); a calendar, when given,
  moves an end on a rest day to the next workday (Art 203).
- Art 693: under a **general** guarantee (一般保证) the bank must sue the debtor or apply for
  arbitration within the period; under a **joint and several** guarantee (连带责任保证) it
  must demand performance from the guarantor within it. Otherwise the guarantor is released.
- Art 694: the guarantee debt's own limitation then runs (general: from when the guarantor's
  defence of prior action ends; joint: from the demand) — shown, not computed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from doorstep.compliance.engine.limitation import corresponding_day

DEFAULT_MONTHS = 6
WARNING_DAYS: tuple[int, ...] = (60, 30, 7)


class GuaranteeKind(StrEnum):
    GENERAL = "general"  # 一般保证
    JOINT = "joint"  # 连带责任保证


class Basis(StrEnum):
    AGREED = "agreed"
    DEFAULT = "default"  # no agreement
    AGREED_TOO_EARLY = "agreed_too_early"  # agreed end ≤ the debt's due date: no agreement


class Standing(StrEnum):
    RUNNING = "running"  # within the period, not yet claimed
    PRESERVED = "preserved"  # claimed within the period as Art 693 requires
    LAPSED = "lapsed"  # the period ended without the claim: the guarantor is released


@dataclass(frozen=True, slots=True)
class Period:
    debt_due: date
    ends: date
    nominal_end: date  # the corresponding day before a rest day moved it
    basis: Basis


@dataclass(frozen=True, slots=True)
class Claim:
    """Something the bank did that may preserve the claim: a suit or arbitration against the
    debtor (``proceedings``) or a demand that reached the guarantor (``demand``)."""

    kind: str  # "proceedings" | "demand"
    on: date


@dataclass(frozen=True, slots=True)
class GuaranteeState:
    period: Period
    standing: Standing
    preserved_by: Claim | None
    days_left: int | None  # None once preserved; negative once lapsed
    warning: int | None  # the tightest warning threshold reached while running


def guarantee_period(
    *,
    debt_due: date,
    agreed_end: date | None = None,
    next_workday: Callable[[date], date] | None = None,
) -> Period:
    """Art 692: the agreed end, or six months from ``debt_due`` when there is none or it ends
    on or before ``debt_due``. ``next_workday`` (Art 203) maps a day to itself or to the next
    workday when it is a rest day."""
    if agreed_end is not None and agreed_end > debt_due:
        nominal, basis = agreed_end, Basis.AGREED
    else:
        nominal = corresponding_day(debt_due, months=DEFAULT_MONTHS)
        basis = Basis.DEFAULT if agreed_end is None else Basis.AGREED_TOO_EARLY
    ends = next_workday(nominal) if next_workday is not None else nominal
    return Period(debt_due=debt_due, ends=ends, nominal_end=nominal, basis=basis)


def counts(kind: GuaranteeKind) -> str:
    """Which claim preserves the guarantee (Art 693)."""
    return "proceedings" if kind is GuaranteeKind.GENERAL else "demand"


def guarantee_state(
    *,
    kind: GuaranteeKind,
    period: Period,
    claims: Iterable[Claim],
    today: date,
    thresholds: Sequence[int] = WARNING_DAYS,
) -> GuaranteeState:
    """Where the guarantee stands on ``today``: preserved by the first claim of the right kind
    made after the debt fell due and on or before the period's end, else running (with the
    tightest warning reached) or lapsed."""
    wanted = counts(kind)
    timely = sorted(
        (
            claim
            for claim in claims
            if claim.kind == wanted
            and period.debt_due < claim.on <= period.ends
            and claim.on <= today
        ),
        key=lambda claim: claim.on,
    )
    if timely:
        return GuaranteeState(period, Standing.PRESERVED, timely[0], None, None)
    left = (period.ends - today).days
    if left < 0:
        return GuaranteeState(period, Standing.LAPSED, None, left, None)
    reached = [days for days in thresholds if left <= days]
    return GuaranteeState(period, Standing.RUNNING, None, left, min(reached) if reached else None)
