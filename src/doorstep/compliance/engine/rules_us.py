"""Profile ``us``: FDCPA / Regulation F (12 CFR 1006), adopted as policy by a bank collecting in
its own name.

Boundaries as rules.md words them: 08:00 allowed, 21:00 blocked, in the consumer's local time
and in every other zone the bank's information points to. Calls are counted per debt over the 7
consecutive local days ending on the call's day; calls that never connected and calls made with
the consumer's consent are not counted (US-FREQ-03), and a consented call is itself exempt.
After a telephone conversation on day D (day 1), calls are blocked through D+6.
"""

from __future__ import annotations

from datetime import timedelta

from .history import count, for_debt, latest_day
from .model import BLOCK, CALL, DEBTOR, Citation, Hold
from .params import UsParams
from .rules import (
    ALL_CHANNELS,
    Hit,
    Profile,
    Rule,
    Situation,
    holds,
    stated_times,
    targets,
    time_window,
)

TIME = Citation(
    zh="15 U.S.C. 1692c(a)(1)；12 CFR 1006.6(b)(1)(i)",
    en="15 U.S.C. 1692c(a)(1); 12 CFR 1006.6(b)(1)(i)",
)
WORK = Citation(
    zh="12 CFR 1006.6(b)(1)；15 U.S.C. 1692c(a)(3)", en="12 CFR 1006.6(b)(1); 15 U.S.C. 1692c(a)(3)"
)
ATTORNEY = Citation(zh="12 CFR 1006.6(b)(2)", en="12 CFR 1006.6(b)(2)")
CEASE = Citation(zh="12 CFR 1006.6(c)", en="12 CFR 1006.6(c)")
FREQUENCY = Citation(
    zh="12 CFR 1006.14(b)(2)(i)(A)、(b)(3)", en="12 CFR 1006.14(b)(2)(i)(A), (b)(3)"
)
CONVERSATION = Citation(
    zh="12 CFR 1006.14(b)(2)(i)(B)、(b)(3)", en="12 CFR 1006.14(b)(2)(i)(B), (b)(3)"
)
MEDIA = Citation(zh="12 CFR 1006.14(h)", en="12 CFR 1006.14(h)")
THIRD_PARTY = Citation(
    zh="15 U.S.C. 1692c(b)；12 CFR 1006.6(d)(1)", en="15 U.S.C. 1692c(b); 12 CFR 1006.6(d)(1)"
)
VALIDATION = Citation(zh="12 CFR 1006.34、1006.38", en="12 CFR 1006.34, 1006.38")
POLICY = Citation(zh="本行政策", en="bank policy")

hours = time_window(param="contact_window", channels=ALL_CHANNELS, consent_exempts=True)
inconvenient = stated_times(channels=ALL_CHANNELS)


def _exempt_call(sit: Situation) -> bool:
    contact = sit.contact
    return contact.channel is not CALL or not sit.by_bank or contact.consented


def calls_in_period(sit: Situation, params: UsParams) -> Hit | None:
    if _exempt_call(sit):
        return None
    first = sit.day - timedelta(days=params.call_period_days - 1)
    tables = for_debt(sit.history.counted_calls(), sit.contact.debt)
    counted = sum(count(table, first, sit.day, sit.contact.at) for table in tables)
    if counted < params.max_calls_per_period:
        return None
    return Hit(BLOCK, lambda: {"from": str(first), "to": str(sit.day), "counted_calls": counted})


def after_conversation(sit: Situation, params: UsParams) -> Hit | None:
    if _exempt_call(sit) or params.conversation_quiet_days == 0:
        return None
    first = sit.day - timedelta(days=params.conversation_quiet_days - 1)
    days = [
        found
        for table in for_debt(sit.history.conversations(), sit.contact.debt)
        if (found := latest_day(table, first, sit.day, sit.contact.at)) is not None
    ]
    if not days:
        return None
    spoke = max(days)
    allowed = spoke + timedelta(days=params.conversation_quiet_days)
    return Hit(BLOCK, lambda: {"conversation_on": str(spoke), "calls_allowed_from": str(allowed)})


def attorney(sit: Situation, params: UsParams) -> Hit | None:
    if not sit.debtor.attorney or sit.contact.target is not DEBTOR:
        return None
    return Hit(BLOCK, dict)


def opted_out(sit: Situation, params: UsParams) -> Hit | None:
    # The one reply 1006.14(h) allows when the consumer starts contact on that channel.
    if not sit.by_bank or sit.contact.channel not in sit.debtor.opted_out:
        return None
    return Hit(BLOCK, lambda: {"channel": str(sit.contact.channel)})


PROFILE = Profile(
    code="us",
    home_timezone="America/New_York",
    params_type=UsParams,
    rules=(
        Rule("US-TIME-01", TIME, ("contact_window",), hours),
        Rule("US-WORK-01", WORK, (), inconvenient),
        Rule("US-ATTY-01", ATTORNEY, (), attorney),
        Rule("US-CEASE-01", CEASE, (), holds(Hold.CEASE_CONTACT)),
        Rule(
            "US-FREQ-01", FREQUENCY, ("max_calls_per_period", "call_period_days"), calls_in_period
        ),
        Rule("US-FREQ-02", CONVERSATION, ("conversation_quiet_days",), after_conversation),
        Rule("US-MEDIA-01", MEDIA, (), opted_out),
        Rule("US-3P-01", THIRD_PARTY, ("allowed_targets",), targets),
        Rule("US-VAL-01", VALIDATION, (), holds(Hold.DISPUTE)),
        Rule("US-HOLD-01", POLICY, (), holds(Hold.HARDSHIP, Hold.COMPLAINT)),
    ),
)
