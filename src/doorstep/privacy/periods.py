"""When a data category's retention period ends, and whether it is due now. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from doorstep.privacy.catalogue import MIN_YEARS, HoldKind, RetentionRule


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_end(last_closed: date, rule: RetentionRule) -> date:
    """The first day the category is no longer needed: ``years_after_close`` (never fewer than
    CN-REC-01's two) after the day the customer's last case closed."""
    return add_years(last_closed, max(rule.years_after_close, MIN_YEARS))


@dataclass(frozen=True, slots=True)
class Standing:
    """A customer as retention sees them: the day their last case closed (None while a case
    is open or none was ever opened) and the holds that keep their records."""

    customer_id: int
    last_closed: date | None
    holds: frozenset[HoldKind] = frozenset()


def expired(standing: Standing, rule: RetentionRule, today: date) -> bool:
    """Whether the period of ``rule`` has ended for this customer (holds aside)."""
    return standing.last_closed is not None and today >= period_end(standing.last_closed, rule)


def due(standing: Standing, rule: RetentionRule, today: date) -> bool:
    """Expired and nothing holds it: delete or anonymise now."""
    return expired(standing, rule, today) and not standing.holds
