"""``decide``: one proposed contact against one profile's rules.

The steps are shared with the batch path: ``zone_of`` and ``HistoryIndex`` once per debtor,
``situation`` once per contact, then ``hits`` runs every rule of the profile. Every rule runs
(a decision lists **every** rule that fired) and the most severe verdict wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from doorstep.core.i18n import gettext_noop

from .calendar import Calendar
from .history import HistoryIndex
from .model import (
    BANK,
    Contact,
    Debtor,
    Decision,
    EngineInputError,
    FiredRule,
    PastContact,
    most_severe,
)
from .params import PARAMS_TYPES, Params, params_to_dict
from .profiles import get_profile
from .rules import Hit, Profile, Rule, Situation

BAD_ZONE = gettext_noop("%(zone)s is not a time zone (use an IANA name such as Asia/Shanghai)")
WRONG_PARAMS = gettext_noop("parameters of profile %(given)s cannot decide for profile %(profile)s")


def decide(
    contact: Contact,
    debtor: Debtor,
    history: Iterable[PastContact],
    *,
    profile: str | Profile[Any],
    params: Params,
    calendar: Calendar,
    version: str,
) -> Decision:
    """The verdict on ``contact`` with every rule that fired, the parameter values each used,
    and the profile and parameter ``version`` that decided."""
    chosen = resolve(profile, params)
    index = HistoryIndex(history, zone_of(debtor, chosen))
    return decision_for(chosen, situation(contact, debtor, index, calendar), params, version)


def decision_for(profile: Profile[Any], sit: Situation, params: Params, version: str) -> Decision:
    """The full decision (parameter values and facts of every fired rule) for a situation."""
    found = hits(profile, sit, params)
    stored = params_to_dict(params) if found else {}
    fired = tuple(
        FiredRule(
            rule=rule.id,
            verdict=hit.verdict,
            params={name: stored[name] for name in rule.params},
            facts=hit.facts(),
            citation=rule.citation,
        )
        for rule, hit in found
    )
    return Decision(
        verdict=most_severe(item.verdict for item in fired),
        fired=fired,
        profile=profile.code,
        version=version,
    )


def resolve(profile: str | Profile[Any], params: Params) -> Profile[Any]:
    """The profile object, checked against the parameters it is asked to use."""
    chosen = get_profile(profile) if isinstance(profile, str) else profile
    if not isinstance(params, chosen.params_type):
        given = next(
            (code for code, kind in PARAMS_TYPES.items() if isinstance(params, kind)),
            type(params).__name__,
        )
        raise EngineInputError("params", WRONG_PARAMS, given=given, profile=chosen.code)
    return chosen


def zone_of(debtor: Debtor, profile: Profile[Any]) -> ZoneInfo:
    """The debtor's zone (the profile's home zone when unknown), after checking every zone the
    rules may convert to."""
    for name in debtor.other_timezones:
        _zone(name)
    return _zone(debtor.timezone or profile.home_timezone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise EngineInputError("debtor.timezone", BAD_ZONE, zone=name) from None


def situation(
    contact: Contact, debtor: Debtor, index: HistoryIndex, calendar: Calendar
) -> Situation:
    local = contact.at.astimezone(index.zone)
    day = local.date()
    # Positional: the batch path builds one of these per proposal.
    return Situation(
        contact,
        debtor,
        local,
        day,
        local.time(),
        calendar.kind(day),
        contact.initiated_by is BANK,
        index,
        calendar,
    )


def hits(profile: Profile[Any], sit: Situation, params: Params) -> list[tuple[Rule[Any], Hit]]:
    found = []
    for rule in profile.rules:
        hit = rule.check(sit, params)
        if hit is not None:
            found.append((rule, hit))
    return found
