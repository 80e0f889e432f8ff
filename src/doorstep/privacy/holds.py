"""What keeps a customer's records past their retention period: a registry of hold providers.

A provider takes customer ids and the day of the run and returns, for the customers it holds,
the kinds of hold (``catalogue.HoldKind``). The built-in providers read cases, compliance holds,
complaints, guarantees, the limitation of written-off debts, and legal matters when the
``legal`` app is installed. Another app adds its own with ``register``, e.g.::

    from doorstep.privacy.holds import register
    register("my_app.open_things", my_provider)

Providers read in bulk (one or a few queries per chunk of ids), never one query per customer,
except the limitation, which the compliance module computes case by case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from doorstep.cases.lifecycle import OPEN as CASE_OPEN
from doorstep.cases.lifecycle import Status as CaseStatus
from doorstep.cases.models import Case
from doorstep.privacy.catalogue import HoldKind

CHUNK = 2_000

Provider = Callable[[Sequence[int], date], Mapping[int, set[HoldKind]]]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace) the provider called ``name``."""
    _PROVIDERS[name] = provider


def providers() -> dict[str, Provider]:
    return dict(_PROVIDERS)


def holds_for(customer_ids: Sequence[int], today: date) -> dict[int, set[HoldKind]]:
    """Every hold on these customers from every registered provider; customers without any are
    left out."""
    found: dict[int, set[HoldKind]] = {}
    ids = sorted(set(customer_ids))
    for provider in _PROVIDERS.values():
        for start in range(0, len(ids), CHUNK):
            for customer_id, kinds in provider(ids[start : start + CHUNK], today).items():
                if kinds:
                    found.setdefault(customer_id, set()).update(kinds)
    return found


def _each(rows: Any, kind: HoldKind) -> dict[int, set[HoldKind]]:
    return {customer_id: {kind} for customer_id in rows}


def open_cases(ids: Sequence[int], today: date) -> Mapping[int, set[HoldKind]]:
    rows = Case.objects.filter(customer_id__in=ids, status__in=sorted(CASE_OPEN))
    return _each(rows.values_list("customer_id", flat=True).distinct(), HoldKind.OPEN_CASE)


def guarantees(ids: Sequence[int], today: date) -> Mapping[int, set[HoldKind]]:
    """A guarantor of an account whose case is still open."""
    from doorstep.portfolio.models import Guarantor

    open_accounts = Case.accounts.through.objects.filter(case__status__in=sorted(CASE_OPEN)).values(
        "account_id"
    )
    rows = Guarantor.objects.filter(guarantor_id__in=ids, account_id__in=open_accounts)
    return _each(rows.values_list("guarantor_id", flat=True).distinct(), HoldKind.GUARANTEE)


def disputes_and_complaints(ids: Sequence[int], today: date) -> Mapping[int, set[HoldKind]]:
    """A compliance hold of kind dispute or complaint still in force, or a complaint still
    open in oversight."""
    from doorstep.compliance.models import Hold
    from doorstep.oversight.complaints.lifecycle import OPEN as COMPLAINT_OPEN
    from doorstep.oversight.models import Complaint

    now = timezone.now()
    found: dict[int, set[HoldKind]] = {}
    kinds = {"dispute": HoldKind.DISPUTE, "complaint": HoldKind.COMPLAINT}
    rows = (
        Hold.objects.filter(customer_id__in=ids, kind__in=sorted(kinds), released_at__isnull=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .values_list("customer_id", "kind")
    )
    for customer_id, kind in rows:
        found.setdefault(customer_id, set()).add(kinds[kind])
    complaints = Complaint.objects.filter(
        customer_id__in=ids, status__in=sorted(COMPLAINT_OPEN)
    ).values_list("customer_id", flat=True)
    for customer_id in complaints:
        if customer_id is not None:
            found.setdefault(customer_id, set()).add(HoldKind.COMPLAINT)
    return found


def limitation(ids: Sequence[int], today: date) -> Mapping[int, set[HoldKind]]:
    """A written-off debt whose limitation period still runs (or is not running because a suit
    is pending or an obstacle has not cleared): the bank may still need to enforce it. A cured
    or settled case's debt is paid, so its limitation keeps nothing."""
    from doorstep.compliance.selectors import case_limitation

    found: dict[int, set[HoldKind]] = {}
    cases = Case.objects.filter(
        customer_id__in=ids, status=CaseStatus.CLOSED_WRITTEN_OFF.value
    ).order_by("customer_id", "pk")
    for case in cases:
        if case.customer_id in found:
            continue
        for item in case_limitation(case, today=today):
            result = item.result
            if result is None:
                continue
            if result.expires is None or result.expires >= today:
                found[case.customer_id] = {HoldKind.LIMITATION}
                break
    return found


def litigation(ids: Sequence[int], today: date) -> Mapping[int, set[HoldKind]]:
    """A legal matter on one of the customer's cases that is neither closed nor rejected (read
    only when the ``legal`` app is installed)."""
    if not apps.is_installed("doorstep.legal"):
        return {}
    try:
        from doorstep.legal.lifecycle import MatterStatus
        from doorstep.legal.models import Matter
    except ImportError:  # pragma: no cover - an installed app that cannot be imported
        return {}
    done = [MatterStatus.CLOSED.value, MatterStatus.REJECTED.value]
    rows = Matter.objects.filter(case__customer_id__in=ids).exclude(status__in=done)
    return _each(rows.values_list("case__customer_id", flat=True).distinct(), HoldKind.LITIGATION)


register("cases.open", open_cases)
register("portfolio.guarantees", guarantees)
register("compliance.disputes_and_complaints", disputes_and_complaints)
register("compliance.limitation", limitation)
register("legal.matters", litigation)
