"""Profile ``cn`` (the default): a mainland-China bank collecting its own debts.

Each rule below is one row of rules.md, in the table's order. Boundaries, as rules.md words
them: windows include their start and exclude their end (08:00 allowed, 22:00 not; 09:00–17:00
the same way); "per calendar day" and "the 7 days ending on the visit day" are local days of the
debtor's zone; a cap of 6 call attempts blocks the 7th, a cap of 2 visits blocks the 3rd.
Call attempts count the bank's calls, connected or not; visits count every visit, whoever
asked for it. The holiday rules (CN-HOL-01…03) are calendar rules, not time windows: a visit
the debtor asked for on a public holiday is still not made.
"""

from __future__ import annotations

from datetime import date, timedelta

from .calendar import PUBLIC_HOLIDAY, UNKNOWN, WEEKEND
from .history import count
from .model import BLOCK, CALL, NEEDS_APPROVAL, VISIT, Citation, Hold
from .params import CnParams
from .rules import (
    NOT_LETTERS,
    Hit,
    Profile,
    Rule,
    Situation,
    holds,
    targets,
    time_window,
)

CBA = Citation(
    zh="中国银行业协会 催收业务指引（试行，2026）",
    en="China Banking Association collection guideline (trial, 2026)",
)
CARD_68 = Citation(
    zh="商业银行信用卡业务监督管理办法（2011）第68条",
    en="Measures on the Supervision of Commercial Banks' Credit Card Business (2011), Art 68",
)
CARD_69 = Citation(
    zh="商业银行信用卡业务监督管理办法（2011）第69条",
    en="Measures on the Supervision of Commercial Banks' Credit Card Business (2011), Art 69",
)
HOLIDAYS = Citation(
    zh="全国年节及纪念日放假办法 第2条",
    en="National Holidays and Memorial Days Measures (2024), Art 2",
)
POLICY = Citation(zh="本行政策", en="bank policy")
PIPL = Citation(
    zh="个人信息保护法 第13、15、23、29条",
    en="Personal Information Protection Law, Arts 13, 15, 23, 29",
)
FAIL_SAFE = Citation(zh="本行政策（未知即不猜）", en="bank policy (fail-safe: never guess)")
TEAM = Citation(
    zh="中国银行业协会 催收业务指引（试行，2026）；治安管理处罚法（非法侵入住宅）",
    en="China Banking Association collection guideline (trial, 2026); "
    "Public Security Administration Punishments Law (unlawful entry)",
)


# Consent to the time lifts the guideline's window (CN-TIME-01), not the bank's own visit hours.
hours = time_window(param="contact_window", channels=NOT_LETTERS, consent_exempts=True)
visit_hours = time_window(param="visit_window", channels=frozenset({VISIT}), consent_exempts=False)


def holiday(sit: Situation, params: CnParams) -> Hit | None:
    if sit.contact.channel is not VISIT or sit.kind is not PUBLIC_HOLIDAY:
        return None
    return Hit(BLOCK, lambda: {"date": str(sit.day), "holiday": sit.calendar.holiday(sit.day)})


def unknown_day(sit: Situation, params: CnParams) -> Hit | None:
    if sit.contact.channel is not VISIT or sit.kind is not UNKNOWN:
        return None
    return Hit(NEEDS_APPROVAL, lambda: {"date": str(sit.day), "year": sit.day.year})


def weekend(sit: Situation, params: CnParams) -> Hit | None:
    if params.visits_on_weekends or sit.contact.channel is not VISIT or sit.kind is not WEEKEND:
        return None
    return Hit(BLOCK, lambda: {"date": str(sit.day), "weekday": sit.day.isoweekday()})


def daily_calls(sit: Situation, params: CnParams) -> Hit | None:
    if sit.contact.channel is not CALL or not sit.by_bank:
        return None
    earlier = count(sit.history.bank_calls(), sit.day, sit.day, sit.contact.at)
    if earlier < params.max_calls_per_day:
        return None
    return Hit(BLOCK, lambda: {"date": str(sit.day), "earlier_attempts": earlier})


def weekly_visits(sit: Situation, params: CnParams) -> Hit | None:
    if sit.contact.channel is not VISIT or not sit.by_bank:
        return None
    visits = sit.history.visits()
    earlier = count(visits, _first(sit, params), sit.day, sit.contact.at) if visits else 0
    if earlier < params.max_visits_per_period:
        return None
    return Hit(
        BLOCK,
        lambda: {"from": str(_first(sit, params)), "to": str(sit.day), "earlier_visits": earlier},
    )


def _first(sit: Situation, params: CnParams) -> date:
    """The first of the visit period's days, which end on the visit day."""
    return sit.day - timedelta(days=params.visit_period_days - 1)


def team(sit: Situation, params: CnParams) -> Hit | None:
    if sit.contact.channel is not VISIT or sit.contact.staff_count >= params.min_visit_staff:
        return None
    return Hit(BLOCK, lambda: {"staff_count": sit.contact.staff_count})


def consent(sit: Situation, params: CnParams) -> Hit | None:
    """CN-PI-05: a contact that relies on a consent (sensitive data, a buyer's use) goes ahead
    only while that consent is in force; collection itself rests on the contract."""
    needed = sit.contact.relies_on
    if not needed:
        return None
    missing = needed - sit.debtor.consents
    if not missing:
        return None
    reason = "withdrawn" if missing & sit.debtor.withdrawn else "not_given"
    return Hit(BLOCK, lambda: {"purposes": sorted(missing), "reason": reason})


PROFILE = Profile(
    code="cn",
    home_timezone="Asia/Shanghai",
    params_type=CnParams,
    rules=(
        Rule("CN-TIME-01", CBA, ("contact_window",), hours),
        Rule("CN-VISIT-01", POLICY, ("visit_window",), visit_hours),
        Rule("CN-HOL-01", HOLIDAYS, (), holiday),
        Rule("CN-HOL-02", FAIL_SAFE, (), unknown_day),
        Rule("CN-HOL-03", POLICY, ("visits_on_weekends",), weekend),
        Rule("CN-FREQ-01", CBA, ("max_calls_per_day",), daily_calls),
        Rule("CN-FREQ-02", POLICY, ("max_visits_per_period", "visit_period_days"), weekly_visits),
        Rule("CN-TEAM-01", TEAM, ("min_visit_staff",), team),
        Rule("CN-TGT-01", CARD_68, ("allowed_targets",), targets),
        Rule("CN-DISP-01", CARD_69, (), holds(Hold.DISPUTE)),
        Rule("CN-HOLD-01", POLICY, (), holds(Hold.CEASE_CONTACT, Hold.HARDSHIP, Hold.COMPLAINT)),
        Rule("CN-PI-05", PIPL, (), consent),
    ),
)
