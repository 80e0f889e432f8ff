"""The batch path: many proposed contacts decided at once (a planning run's 100,000 visits).

Same rules, same ``situation`` as ``decide``; what it saves is everything done per debtor
rather than per contact (the zone, the indexed history: built once per debtor, only the tables
the rules read) and everything a planner does not need (parameter values, facts,
explanations). Each outcome is
the verdict and the ids of the rules that fired; ``decision`` gives the full decision for one
proposal on demand, to explain it. No I/O: the caller loads debtors and histories in bulk first.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from doorstep.core.i18n import gettext_noop

from .calendar import Calendar
from .evaluate import decision_for, resolve, situation, zone_of
from .history import HistoryIndex
from .model import (
    ALLOW,
    SEVERITY,
    Contact,
    Debtor,
    Decision,
    EngineInputError,
    PastContact,
    Verdict,
)
from .params import Params
from .rules import Profile

UNKNOWN_DEBTOR = gettext_noop("no facts were given for debtor %(debtor)s")


@dataclass(frozen=True, slots=True)
class Proposal:
    debtor: Hashable
    contact: Contact


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    rules: tuple[str, ...]


ALLOWED = Outcome(ALLOW, ())


class BatchDecider:
    """Decides proposals about the given debtors under one profile, parameter version and
    calendar. Debtors missing from ``histories`` have no history."""

    def __init__(
        self,
        *,
        debtors: Mapping[Hashable, Debtor],
        histories: Mapping[Hashable, Sequence[PastContact]],
        profile: str | Profile[Any],
        params: Params,
        calendar: Calendar,
        version: str,
    ) -> None:
        self.profile = resolve(profile, params)
        self.params = params
        self.calendar = calendar
        self.version = version
        self._debtors = debtors
        self._histories = histories
        self._outcomes: dict[tuple[str, ...], Outcome] = {(): ALLOWED}

    def decide_all(self, proposals: Iterable[Proposal]) -> list[Outcome]:
        """Outcomes in the order of ``proposals``. They are decided debtor by debtor, so each
        history is indexed once and dropped as soon as its debtor is done: a run's memory stays
        flat and the garbage collector has nothing long-lived to scan."""
        listed = list(proposals)
        positions: dict[Hashable, list[int]] = {}
        for position, proposal in enumerate(listed):
            positions.setdefault(proposal.debtor, []).append(position)
        results: list[Outcome] = [ALLOWED] * len(listed)
        checks = [(rule.id, rule.check) for rule in self.profile.rules]
        params, calendar, outcomes, severity = self.params, self.calendar, self._outcomes, SEVERITY
        for key, mine in positions.items():
            debtor, index = self._facts(key)
            for position in mine:
                sit = situation(listed[position].contact, debtor, index, calendar)
                ids: list[str] = []
                worst = ALLOW
                for rule_id, check in checks:
                    hit = check(sit, params)
                    if hit is not None:
                        ids.append(rule_id)
                        if severity[hit.verdict] > severity[worst]:
                            worst = hit.verdict
                if ids:
                    found = tuple(ids)
                    outcome = outcomes.get(found)
                    if outcome is None or outcome.verdict is not worst:
                        outcome = outcomes[found] = Outcome(worst, found)
                    results[position] = outcome
        return results

    def decision(self, proposal: Proposal) -> Decision:
        """The full decision for one proposal, to explain it."""
        debtor, index = self._facts(proposal.debtor)
        sit = situation(proposal.contact, debtor, index, self.calendar)
        return decision_for(self.profile, sit, self.params, self.version)

    def _facts(self, key: Hashable) -> tuple[Debtor, HistoryIndex]:
        debtor = self._debtors.get(key)
        if debtor is None:
            raise EngineInputError("debtor", UNKNOWN_DEBTOR, debtor=str(key))
        zone = zone_of(debtor, self.profile)
        return debtor, HistoryIndex(self._histories.get(key, ()), zone)
