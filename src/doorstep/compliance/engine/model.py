"""The facts a compliance decision looks at, and the decision it gives back.

Plain frozen dataclasses so the same values travel from a web request, a planning run or a
scenario pack into the rules, and back out into the decision log as JSON. Nothing here knows
about Django; callers translate ``EngineInputError`` into their own error type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from doorstep.core.i18n import gettext_noop


class Channel(StrEnum):
    VISIT = "visit"
    CALL = "call"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    CHAT = "chat"


class Target(StrEnum):
    DEBTOR = "debtor"
    GUARANTOR = "guarantor"
    THIRD_PARTY = "third_party"
    ATTORNEY = "attorney"


class Initiator(StrEnum):
    BANK = "bank"
    DEBTOR = "debtor"


class Hold(StrEnum):
    CEASE_CONTACT = "cease_contact"
    DISPUTE = "dispute"
    HARDSHIP = "hardship"
    COMPLAINT = "complaint"


class Verdict(StrEnum):
    ALLOW = "allow"
    WARN = "warn"
    NEEDS_APPROVAL = "needs_approval"
    BLOCK = "block"


# Members as plain names for the hot paths: on Python 3.11 reading ``Channel.VISIT`` goes
# through the enum class's machinery (about 0.2 µs), which the batch path would pay several
# times per decision.
VISIT, CALL = Channel.VISIT, Channel.CALL
BANK = Initiator.BANK
DEBTOR = Target.DEBTOR
ALLOW, NEEDS_APPROVAL, BLOCK = Verdict.ALLOW, Verdict.NEEDS_APPROVAL, Verdict.BLOCK

# rules.md: block > needs_approval > warn > allow.
SEVERITY: Mapping[Verdict, int] = {
    Verdict.ALLOW: 0,
    Verdict.WARN: 1,
    Verdict.NEEDS_APPROVAL: 2,
    Verdict.BLOCK: 3,
}


def most_severe(verdicts: Iterable[Verdict]) -> Verdict:
    return max(verdicts, key=SEVERITY.__getitem__, default=Verdict.ALLOW)


class EngineInputError(ValueError):
    """A fact the engine was given cannot be used; ``field`` names it (``contact.at``).

    ``template`` is an English source string marked for translation and ``params`` fill it, so
    the Django side can translate it; ``str()`` gives the English text.
    """

    def __init__(self, field: str, template: str, **params: object) -> None:
        self.field = field
        self.template = template
        self.params = params
        super().__init__(f"{field}: {self.message}")

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template


NAIVE_TIME = gettext_noop("a time needs its UTC offset, e.g. 2026-03-02T10:00:00+08:00")


@dataclass(frozen=True, slots=True)
class Window:
    """A daily time window, start included and end excluded: 08:00 is in 08:00–22:00, 22:00 not.

    A window whose end is before its start runs over midnight (22:00–07:00).
    """

    start: time
    end: time

    def __contains__(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    @classmethod
    def parse(cls, text: str) -> Window:
        """``"08:00-22:00"`` → a window; ValueError unless it is two different HH:MM times."""
        start, sep, end = text.partition("-")
        window = cls(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
        if not sep or window.start == window.end:
            raise ValueError(text)
        return window


@dataclass(frozen=True, slots=True)
class Contact:
    """A proposed contact. Defaults are the safe ones of issue 3 §6 (one person, the debtor, the
    bank starting it)."""

    channel: Channel
    at: datetime
    target: Target = Target.DEBTOR
    staff_count: int = 1
    consented: bool = False  # the debtor consented to this contact (its time; US-FREQ-03)
    initiated_by: Initiator = Initiator.BANK
    debt: str | None = None
    announced: bool = False  # UK-VIS-01: a first visit was announced with its purpose
    # CN-PI-05: the consent purposes this contact relies on (e.g. ``sensitive_whereabouts`` for
    # a visit found through GPS data); collection itself rests on the contract and needs none.
    relies_on: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.at.utcoffset() is None:
            raise EngineInputError("contact.at", NAIVE_TIME)


@dataclass(frozen=True, slots=True)
class Debtor:
    """What the rules need to know about the person contacted.

    ``timezone`` None means the profile's home zone. ``other_timezones`` are further places the
    bank's information points to (US-TIME-01: the time must suit all of them). ``inconvenient``
    are times the debtor said not to call (US-WORK-01, UK-TIME-01).
    """

    timezone: str | None = None
    holds: frozenset[Hold] = frozenset()
    opted_out: frozenset[Channel] = frozenset()
    attorney: bool = False
    vulnerable: bool = False
    other_timezones: tuple[str, ...] = ()
    inconvenient: tuple[Window, ...] = ()
    consents: frozenset[str] = frozenset()  # consent purposes in force at the contact's time
    withdrawn: frozenset[str] = frozenset()  # purposes whose consent was withdrawn by then


@dataclass(frozen=True, slots=True)
class PastContact:
    """One contact already made. ``connected`` False: the call never reached the number;
    ``debt`` None: it counts against the debt of whatever contact is being decided."""

    channel: Channel
    at: datetime
    connected: bool = True
    conversation: bool = False
    debt: str | None = None
    initiated_by: Initiator = Initiator.BANK
    consented: bool = False

    def __post_init__(self) -> None:
        if self.at.utcoffset() is None:
            raise EngineInputError("history.at", NAIVE_TIME)


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a rule comes from, in both languages the explanations are given in."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class FiredRule:
    """One rule that fired: its verdict, the parameter values it used and what it saw."""

    rule: str
    verdict: Verdict
    params: Mapping[str, object]
    facts: Mapping[str, object]
    citation: Citation

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "verdict": str(self.verdict),
            "params": dict(self.params),
            "facts": dict(self.facts),
            "citation": {"zh": self.citation.zh, "en": self.citation.en},
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one proposed contact: the most severe verdict and every rule that fired,
    with the profile and the parameter version that decided it (what the decision log keeps)."""

    verdict: Verdict
    fired: tuple[FiredRule, ...]
    profile: str
    version: str

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(fired.rule for fired in self.fired)

    def to_dict(self) -> dict[str, object]:
        return {
            "verdict": str(self.verdict),
            "rules": [fired.to_dict() for fired in self.fired],
            "profile": self.profile,
            "version": self.version,
        }
