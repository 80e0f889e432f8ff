"""Pure rules of the phone work: the queue's order, the wrap-up outcome codes and what each
means for the contact record, and message templates' variables (no Django import).

Queue order (docs/remote.md):
1. call-backs and promise reminders that are due, oldest first;
2. cases the nightly scoring ranked, by its priority rank (1 first);
3. cases never scored, by the fallback weight: bucket rank × past due (M1 = 1 … M6+ = 7),
   largest first. Ties by case id, so the order is stable.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from doorstep.core.i18n import gettext_noop

BUCKET_RANK = {"current": 0, "M1": 1, "M2": 2, "M3": 3, "M4": 4, "M5": 5, "M6": 6, "M6+": 7}


@dataclass(frozen=True)
class Candidate:
    case_id: int
    bucket: str
    past_due: Decimal
    priority: int | None = None  # scoring's rank of the newest scored day; None: not scored
    due_since: datetime | None = None  # the oldest due call-back or reminder


def fallback_weight(bucket: str, past_due: Decimal) -> Decimal:
    return BUCKET_RANK.get(bucket, 0) * past_due


def order(candidates: Sequence[Candidate]) -> list[Candidate]:
    def key(c: Candidate) -> tuple[int, float, Decimal, int]:
        if c.due_since is not None:
            return (0, c.due_since.timestamp(), Decimal(0), c.case_id)
        if c.priority is not None:
            return (1, float(c.priority), Decimal(0), c.case_id)
        return (2, 0.0, -fallback_weight(c.bucket, c.past_due), c.case_id)

    return sorted(candidates, key=key)


class Outcome(StrEnum):
    RIGHT_PARTY = "right_party"
    PROMISE = "promise"
    CALLBACK = "callback"
    DISPUTE = "dispute"
    HARDSHIP = "hardship"
    REFUSAL = "refusal"
    THIRD_PARTY = "third_party"
    WRONG_NUMBER = "wrong_number"
    NO_ANSWER = "no_answer"


OUTCOME_LABELS = {
    Outcome.RIGHT_PARTY: gettext_noop("Right-party contact"),
    Outcome.PROMISE: gettext_noop("Promise to pay"),
    Outcome.CALLBACK: gettext_noop("Call-back requested"),
    Outcome.DISPUTE: gettext_noop("Dispute raised"),
    Outcome.HARDSHIP: gettext_noop("Hardship stated"),
    Outcome.REFUSAL: gettext_noop("Refused to pay"),
    Outcome.THIRD_PARTY: gettext_noop("Third party answered"),
    Outcome.WRONG_NUMBER: gettext_noop("Wrong number"),
    Outcome.NO_ANSWER: gettext_noop("No answer"),
}


@dataclass(frozen=True)
class ContactMeaning:
    """How a call outcome is recorded with compliance (``ContactEvent``): its outcome code,
    whether the call connected, and whether it was a conversation with the debtor about the
    debt (US-FREQ-02 counts those)."""

    outcome: str
    connected: bool
    conversation: bool
    right_party: bool  # the debtor was reached on this number: the number is verified


_TALKED = ContactMeaning("debtor_reached", True, True, True)
MEANING: Mapping[Outcome, ContactMeaning] = {
    Outcome.RIGHT_PARTY: ContactMeaning("demand_stated", True, True, True),
    Outcome.PROMISE: ContactMeaning("demand_stated", True, True, True),
    Outcome.CALLBACK: _TALKED,
    Outcome.DISPUTE: _TALKED,
    Outcome.HARDSHIP: _TALKED,
    Outcome.REFUSAL: ContactMeaning("refused", True, True, True),
    Outcome.THIRD_PARTY: ContactMeaning("third_party_only", True, False, False),
    Outcome.WRONG_NUMBER: ContactMeaning("other", True, False, False),
    Outcome.NO_ANSWER: ContactMeaning("no_answer", False, False, False),
}


class Vulnerability(StrEnum):
    SERIOUS_ILLNESS = "serious_illness"
    ELDERLY = "elderly"
    BEREAVED = "bereaved"
    DECEASED = "deceased"
    BANKRUPTCY = "bankruptcy"


class Handling(StrEnum):
    HOLD = "hold"  # a hardship hold: the gate blocks every contact (CN-HOLD-01)
    SPECIALIST = "specialist"  # only agents with the specialist skill work the case
    APPROVAL = "approval"  # out of every queue until a manager approves contact for a while


VULNERABILITY_LABELS = {
    Vulnerability.SERIOUS_ILLNESS: gettext_noop("Serious illness"),
    Vulnerability.ELDERLY: gettext_noop("Elderly"),
    Vulnerability.BEREAVED: gettext_noop("Recently bereaved"),
    Vulnerability.DECEASED: gettext_noop("Deceased (estate handled by specialists)"),
    Vulnerability.BANKRUPTCY: gettext_noop("Personal bankruptcy"),
}
# The bank's defaults; ``settings.REMOTE_VULNERABILITY_HANDLING`` overrides any of them.
DEFAULT_HANDLING: Mapping[Vulnerability, Handling] = {
    Vulnerability.SERIOUS_ILLNESS: Handling.APPROVAL,
    Vulnerability.ELDERLY: Handling.SPECIALIST,
    Vulnerability.BEREAVED: Handling.HOLD,
    Vulnerability.DECEASED: Handling.SPECIALIST,
    Vulnerability.BANKRUPTCY: Handling.HOLD,
}
SPECIALIST_SKILL = "vulnerable_customers"


def may_work(handlings: set[Handling], *, specialist: bool, contact_approved: bool) -> bool:
    """Whether an agent may be offered a case whose debtor's open flags are handled so
    (a hold is left to the gate, which blocks it anyway)."""
    if Handling.SPECIALIST in handlings and not specialist:
        return False
    return not (Handling.APPROVAL in handlings and not contact_approved)


# Variables a template may use, filled from the case when a message is rendered. Letter
# templates must also use every CN-LET-01 field; those not about the case come from the bank.
CASE_VARIABLES = frozenset(
    {"debtor_name", "reference", "past_due", "balance", "bucket", "bank_contact"}
)
LETTER_VARIABLES = frozenset({"reason", "legal_basis", "debtor_rights", "dispute_channel", "seal"})
VARIABLES = CASE_VARIABLES | LETTER_VARIABLES
_FIELD = re.compile(r"^[a-z_]+$")


class TemplateError(ValueError):
    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def variables_of(text: str) -> set[str]:
    """The ``{name}`` variables ``text`` uses; refuses anything but plain names."""
    names = set()
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise TemplateError(
            gettext_noop("Braces must be balanced: write {{ for a brace.")
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not _FIELD.match(name) or spec or conversion:
            raise TemplateError(
                gettext_noop("“{%(name)s}” is not a plain variable name."), name=name
            )
        if name not in VARIABLES:
            raise TemplateError(gettext_noop("“{%(name)s}” is not a variable."), name=name)
        names.add(name)
    return names


def render(text: str, values: Mapping[str, str]) -> str:
    return text.format_map({name: values.get(name, "") for name in variables_of(text)})
