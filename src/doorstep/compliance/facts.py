"""The facts the gate decides from, read from the database in bulk.

``customer_facts`` loads, for any number of customers, what the engine needs about them — the
time zone of the primary address, holds, opt-outs, attorneys, and the recent contact history —
in a fixed number of queries per chunk of customers (never one per decision), so a planning run
of 100,000 visits costs the same handful of queries as one visit. ``CustomerFacts.debtor``
then gives the engine's ``Debtor`` as it stands at a contact's time and for its channel.

The history window is as long as the longest period a rule of the profile counts back over
(``lookback``); for the ``uk`` profile's first-visit rule the earliest visit before the window
is added, since "has this customer ever been visited" looks back forever.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Min, Q

from doorstep.compliance.engine import (
    Channel,
    Contact,
    Debtor,
    Initiator,
    PastContact,
    get_profile,
)
from doorstep.compliance.engine import (
    Hold as HoldKind,
)
from doorstep.compliance.engine.params import CnParams, Params, UsParams
from doorstep.compliance.models import ChannelOptOut, ContactEvent, Hold, Representation
from doorstep.portfolio.models import Address
from doorstep.privacy.selectors import ConsentChange, consent_changes, consent_states

CHUNK = 5_000  # ids per ``IN`` list: far under the parameter limits of SQLite and PostgreSQL


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def lookback(params: Params) -> timedelta:
    """How far back the frequency rules of these parameters count, plus a day for the
    difference between the bank's and the debtor's calendar day."""
    days = 1
    if isinstance(params, CnParams):
        days = params.visit_period_days
    elif isinstance(params, UsParams):
        days = max(params.call_period_days, params.conversation_quiet_days)
    return timedelta(days=days + 1)


@dataclass(frozen=True, slots=True)
class HoldFact:
    kind: HoldKind
    allowed: frozenset[str]
    starts: datetime
    ends: datetime | None  # the earlier of its end and its release

    def stops(self, contact: Contact) -> bool:
        at = contact.at
        return (
            self.starts <= at
            and (self.ends is None or at < self.ends)
            and contact.channel.value not in self.allowed
        )


@dataclass(slots=True)
class CustomerFacts:
    timezone: str | None = None
    holds: list[HoldFact] = field(default_factory=list)
    opt_outs: dict[Channel, datetime] = field(default_factory=dict)
    represented: list[tuple[date, date | None]] = field(default_factory=list)
    history: list[PastContact] = field(default_factory=list)
    consents: list[ConsentChange] = field(default_factory=list)  # CN-PI-05, in time order
    _plain: Debtor | None = None

    def debtor(self, contact: Contact, home_timezone: str) -> Debtor:
        """The engine's debtor as the facts stand at ``contact``'s time, for its channel: holds
        in force then that do not allow the channel, opt-outs made before it, an attorney on
        that local day, the consents in force then."""
        if not (self.holds or self.opt_outs or self.represented or self.consents):
            if self._plain is None:
                self._plain = Debtor(timezone=self.timezone)
            return self._plain
        at = contact.at
        holds = frozenset(hold.kind for hold in self.holds if hold.stops(contact))
        opted = frozenset(channel for channel, when in self.opt_outs.items() if when <= at)
        day = at.astimezone(ZoneInfo(self.timezone or home_timezone)).date()
        attorney = any(
            first <= day and (last is None or day <= last) for first, last in self.represented
        )
        given, withdrawn = consent_states(self.consents, at)
        return Debtor(
            timezone=self.timezone,
            holds=holds,
            opted_out=opted,
            attorney=attorney,
            consents=given,
            withdrawn=withdrawn,
        )


def _debt(account_id: int | None) -> str | None:
    """How the engine names a debt: the account's id, or None for "the debt in question"."""
    return None if account_id is None else str(account_id)


def customer_facts(
    customer_ids: Iterable[int], *, since: datetime, profile: str
) -> dict[int, CustomerFacts]:
    """Facts about each customer that can bear on a contact at or after ``since`` (history from
    ``since`` on; holds, opt-outs and attorneys that have not ended before it)."""
    ids = sorted(set(customer_ids))
    facts = {customer_id: CustomerFacts() for customer_id in ids}
    for chunk in chunks(ids):
        _addresses(facts, chunk)
        _holds(facts, chunk, since)
        for customer_id, channel, at in ChannelOptOut.objects.filter(
            customer_id__in=chunk
        ).values_list("customer_id", "channel", "at"):
            facts[customer_id].opt_outs[Channel(channel)] = at
        for customer_id, starts_on, ends_on in (
            Representation.objects.filter(customer_id__in=chunk)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=since.date() - timedelta(days=1)))
            .values_list("customer_id", "starts_on", "ends_on")
        ):
            facts[customer_id].represented.append((starts_on, ends_on))
        _history(facts, chunk, since)
        for customer_id, changes in consent_changes(chunk).items():
            facts[customer_id].consents = changes
        if profile == "uk":
            _first_visits(facts, chunk, since)
    return facts


def _addresses(facts: dict[int, CustomerFacts], chunk: list[int]) -> None:
    """The primary address is the home address, else the first one on file."""
    rows = (
        Address.objects.filter(customer_id__in=chunk)
        .order_by("customer_id", "kind", "id")
        .values_list("customer_id", "timezone")
    )
    for customer_id, zone in rows:
        if facts[customer_id].timezone is None and zone:
            facts[customer_id].timezone = zone


def _holds(facts: dict[int, CustomerFacts], chunk: list[int], since: datetime) -> None:
    rows = (
        Hold.objects.filter(customer_id__in=chunk)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=since))
        .filter(Q(released_at__isnull=True) | Q(released_at__gt=since))
        .values_list(
            "customer_id", "kind", "allowed_channels", "starts_at", "ends_at", "released_at"
        )
    )
    for customer_id, kind, allowed, starts_at, ends_at, released_at in rows:
        ends = min((moment for moment in (ends_at, released_at) if moment), default=None)
        facts[customer_id].holds.append(
            HoldFact(HoldKind(kind), frozenset(allowed or ()), starts_at, ends)
        )


def _history(facts: dict[int, CustomerFacts], chunk: list[int], since: datetime) -> None:
    rows = (
        ContactEvent.objects.filter(customer_id__in=chunk, at__gte=since)
        .order_by("customer_id", "at", "id")
        .values_list(
            "customer_id",
            "channel",
            "at",
            "connected",
            "conversation",
            "account_id",
            "initiated_by",
            "consented",
        )
    )
    for customer_id, channel, at, connected, conversation, account_id, by, consented in rows:
        facts[customer_id].history.append(
            PastContact(
                Channel(channel),
                at,
                connected=connected,
                conversation=conversation,
                debt=_debt(account_id),
                initiated_by=Initiator(by),
                consented=consented,
            )
        )


def _first_visits(facts: dict[int, CustomerFacts], chunk: list[int], since: datetime) -> None:
    rows = (
        ContactEvent.objects.filter(customer_id__in=chunk, channel=Channel.VISIT, at__lt=since)
        .values("customer_id")
        .annotate(first=Min("at"))
        .values_list("customer_id", "first")
    )
    for customer_id, first in rows:
        facts[customer_id].history.insert(0, PastContact(Channel.VISIT, first))


def home_timezone(profile: str) -> str:
    return get_profile(profile).home_timezone


def primary_timezone(customer_id: int) -> str | None:
    """The time zone of a customer's primary address (home, else the first on file)."""
    facts = {customer_id: CustomerFacts()}
    _addresses(facts, [customer_id])
    return facts[customer_id].timezone
