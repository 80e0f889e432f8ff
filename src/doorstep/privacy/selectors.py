"""Reads of privacy records.

``consent_in_force`` is what another app asks before processing that relies on a consent
(a debt sale asks it for ``transfer_to_buyer``). Contacts never ask it directly: the
compliance gate reads ``consent_states`` in bulk and its rule CN-PI-05 decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from doorstep.portfolio.models import Customer
from doorstep.privacy.catalogue import CONSENT_PURPOSES
from doorstep.privacy.models import ConsentEvent, Notice, NoticeShown, RetentionRun
from doorstep.staff.models import Role
from doorstep.staff.selectors import staff_for

CHUNK = 5_000

# Who sees the privacy pages: compliance answers for PIPL; audit and head office read.
PRIVACY_READERS = frozenset(
    {
        Role.COMPLIANCE_OFFICER,
        Role.INTERNAL_AUDITOR,
        Role.HEAD_OFFICE_ADMIN,
        Role.COMPLAINT_HANDLER,
    }
)
# Who records notices shown and consents: compliance, and complaint handlers (a withdrawal
# often arrives with a complaint).
CONSENT_RECORDERS = frozenset({Role.COMPLIANCE_OFFICER, Role.COMPLAINT_HANDLER})
NOTICE_PUBLISHERS = frozenset({Role.COMPLIANCE_OFFICER})
RETENTION_RUNNERS = frozenset({Role.COMPLIANCE_OFFICER, Role.HEAD_OFFICE_ADMIN})


def role_of(user: Any) -> Role | None:
    staff = staff_for(user)
    return None if staff is None else Role(staff.role)


def may(user: Any, roles: frozenset[Role]) -> bool:
    return role_of(user) in roles


def consent_in_force(customer_id: int, purpose: str, at: datetime | None = None) -> bool:
    """Whether ``customer_id`` had given consent for ``purpose`` in force at ``at`` (now by
    default): the latest given/withdrawn event at or before that moment is "given". A purpose
    that does not rest on consent is not a question for this function (ValueError)."""
    if purpose not in CONSENT_PURPOSES:
        raise ValueError(f"{purpose!r} does not rest on consent; see privacy.catalogue")
    moment = at or timezone.now()
    latest = (
        ConsentEvent.objects.filter(customer_id=customer_id, purpose=purpose, at__lte=moment)
        .order_by("-at", "-id")
        .values_list("action", flat=True)
        .first()
    )
    return latest == ConsentEvent.Action.GIVEN


@dataclass(frozen=True, slots=True)
class ConsentChange:
    """One given/withdrawn event, as the compliance facts need it."""

    purpose: str
    given: bool
    at: datetime


def consent_changes(customer_ids: Iterable[int]) -> dict[int, list[ConsentChange]]:
    """Every consent event of these customers in time order, read in one query per chunk;
    customers without any are left out."""
    ids = sorted(set(customer_ids))
    found: dict[int, list[ConsentChange]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = (
            ConsentEvent.objects.filter(customer_id__in=ids[start : start + CHUNK])
            .order_by("customer_id", "at", "id")
            .values_list("customer_id", "purpose", "action", "at")
        )
        for customer_id, purpose, action, at in rows:
            found.setdefault(customer_id, []).append(
                ConsentChange(purpose, action == ConsentEvent.Action.GIVEN, at)
            )
    return found


def consent_states(
    changes: Iterable[ConsentChange], at: datetime
) -> tuple[frozenset[str], frozenset[str]]:
    """From a customer's changes in time order: the purposes whose consent is in force at
    ``at``, and those whose consent was withdrawn by then (given once, withdrawn since)."""
    state: dict[str, bool] = {}
    for change in changes:
        if change.at > at:
            break
        state[change.purpose] = change.given
    given = frozenset(purpose for purpose, on in state.items() if on)
    withdrawn = frozenset(purpose for purpose, on in state.items() if not on)
    return given, withdrawn


@dataclass(frozen=True, slots=True)
class ConsentSummary:
    purpose: str
    in_force: bool
    last: ConsentEvent | None


def customer_consents(customer_id: int, at: datetime | None = None) -> list[ConsentSummary]:
    """The state of every consent purpose for one customer, with the latest event of each."""
    moment = at or timezone.now()
    events = list(
        ConsentEvent.objects.filter(customer_id=customer_id, at__lte=moment).order_by("at", "id")
    )
    last: dict[str, ConsentEvent] = {event.purpose: event for event in events}
    return [
        ConsentSummary(
            purpose,
            purpose in last and last[purpose].action == ConsentEvent.Action.GIVEN,
            last.get(purpose),
        )
        for purpose in CONSENT_PURPOSES
    ]


def consent_history(customer_id: int) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(customer_id=customer_id).select_related(
        "notice", "recorded_by"
    )


def notice_list() -> QuerySet[Notice]:
    return Notice.objects.all()


def notice_in_force(at: datetime | None = None) -> Notice | None:
    """The latest version in force at ``at`` (now by default)."""
    moment = at or timezone.now()
    return Notice.objects.filter(effective_from__lte=moment).order_by("-version").first()


def notices_shown(customer_id: int) -> QuerySet[NoticeShown]:
    return NoticeShown.objects.filter(customer_id=customer_id).select_related("notice")


def retention_runs() -> QuerySet[RetentionRun]:
    return RetentionRun.objects.all()


def customer_get(pk: int) -> Customer:
    """The customer a privacy officer works on (the caller has checked the role): 404 if none."""
    return get_object_or_404(Customer, pk=pk)


def customer_id_by_number(number: str) -> int | None:
    found: int | None = (
        Customer.objects.filter(external_id=number).values_list("pk", flat=True).first()
    )
    return found
