"""What a contact path proposes to the gate, and its translation into the engine's ``Contact``.

A proposal names plain values (``"visit"``, an aware time, an account id) so any caller — a
view, the API, the planner, the field app's sync — builds one without knowing the engine. Bad
values are refused here with a ``DomainError`` naming the field, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from doorstep.compliance.engine import Channel, Contact, Initiator, Target
from doorstep.core.errors import DomainError
from doorstep.privacy.catalogue import CONSENT_PURPOSES


@dataclass(frozen=True)
class ContactProposal:
    channel: str
    at: datetime
    target: str = Target.DEBTOR.value
    staff_count: int = 1
    consented: bool = False  # the debtor consented to this contact (its time)
    initiated_by: str = Initiator.BANK.value
    account_id: int | None = None  # the debt it is about; None: the case's debts
    announced: bool = False  # UK-VIS-01: a first visit announced with its purpose
    relies_on: tuple[str, ...] = ()  # CN-PI-05: consent purposes (privacy.catalogue) it uses


@dataclass(frozen=True)
class PlannedContact:
    """One proposal of a planning run: the case, the contact, the agent who would make it."""

    case_id: int
    proposal: ContactProposal
    agent_id: int | None = None


def _choice(value: str, kind: type[Channel] | type[Target] | type[Initiator], field: str) -> str:
    if value not in {item.value for item in kind}:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(item.value for item in kind)},
            field=field,
        )
    return value


EARLIEST_YEAR, LATEST_YEAR = 1971, 2099  # far from the ends of what datetimes can convert


def checked_moment(value: datetime, *, field: str) -> datetime:
    """``value`` if it is an aware time of a plausible year, else a ``DomainError`` on
    ``field`` (a time without its offset is ambiguous; year 1 cannot even be stored in UTC)."""
    if value.utcoffset() is None:
        raise DomainError(
            "naive_time",
            _("Give the time with its UTC offset, e.g. 2026-03-02T10:00:00+08:00."),
            field=field,
        )
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise DomainError(
            "out_of_range",
            _("Give a time from %(first)s to %(last)s.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            field=field,
        )
    return value


def to_contact(proposal: ContactProposal, *, prefix: str = "") -> Contact:
    """The engine's contact for ``proposal``; ``prefix`` names the item in a batch."""
    checked_moment(proposal.at, field=f"{prefix}at")
    if not 0 <= proposal.staff_count <= 20:
        raise DomainError(
            "invalid_staff_count",
            _("The number of staff is a whole number from 0 to 20."),
            field=f"{prefix}staff_count",
        )
    unknown = sorted(set(proposal.relies_on) - set(CONSENT_PURPOSES))
    if unknown:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": unknown[0], "choices": ", ".join(CONSENT_PURPOSES)},
            field=f"{prefix}relies_on",
        )
    return Contact(
        channel=Channel(_choice(proposal.channel, Channel, f"{prefix}channel")),
        at=proposal.at,
        target=Target(_choice(proposal.target, Target, f"{prefix}target")),
        staff_count=proposal.staff_count,
        consented=proposal.consented,
        initiated_by=Initiator(_choice(proposal.initiated_by, Initiator, f"{prefix}initiated_by")),
        debt=None if proposal.account_id is None else str(proposal.account_id),
        announced=proposal.announced,
        relies_on=frozenset(proposal.relies_on),
    )
