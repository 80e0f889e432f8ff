"""Reads of customers and accounts. User-facing reads are scoped through the case they belong to;
the bulk readers here serve services and jobs that have already decided what to read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from doorstep.cases.delinquency import Due, History, Paid
from doorstep.core.masking import mask_national_id, mask_phone
from doorstep.portfolio.models import Account, Address, Customer, Guarantor, Payment, Statement
from doorstep.staff.models import Role

# Who may bring the bank's records in: imports, and payments posted by hand.
IMPORT_ROLES = frozenset({Role.HEAD_OFFICE_ADMIN, Role.BRANCH_ADMIN})


def histories_for(account_ids: Iterable[int], *, as_of: date | None = None) -> dict[int, History]:
    """Dues and payments per account, in two queries however many accounts are asked for."""
    ids = list(account_ids)
    dues: dict[int, list[Due]] = defaultdict(list)
    paid: dict[int, list[Paid]] = defaultdict(list)
    statements = Statement.objects.filter(account_id__in=ids)
    payments = Payment.objects.filter(account_id__in=ids)
    if as_of is not None:
        statements = statements.filter(statement_date__lte=as_of)
        payments = payments.filter(paid_on__lte=as_of)
    for row in statements.values_list(
        "account_id", "statement_date", "due_date", "principal_due", "interest_due", "fee_due"
    ).order_by("account_id", "due_date"):
        dues[row[0]].append(Due(*row[1:]))
    for account_id, paid_on, amount, reversed_on in payments.values_list(
        "account_id", "paid_on", "amount", "reversed_on"
    ).order_by("account_id", "paid_on", "id"):
        paid[account_id].append(Paid(paid_on, amount, reversed_on))
    return {i: History(tuple(dues[i]), tuple(paid[i])) for i in ids}


@dataclass(frozen=True)
class PhoneView:
    number: str
    kind: str
    kind_label: str
    verification: str
    verification_label: str
    is_primary: bool


@dataclass(frozen=True)
class TimelineEvent:
    """A statement billed or a payment received, for the account timeline."""

    on: date
    kind: str  # "statement" or "payment"
    amount: Decimal
    due_date: date | None = None
    closing_balance: Decimal | None = None
    channel: str = ""
    reversed_on: date | None = None
    reference: str = ""


@dataclass(frozen=True)
class AccountView:
    account: Account
    timeline: list[TimelineEvent]
    guarantors: list[Guarantor]


@dataclass(frozen=True)
class CustomerProfile:
    """The customer 360 as one reader may see it: masked unless ``revealed``."""

    customer: Customer
    revealed: bool
    national_id: str
    phones: list[PhoneView]
    addresses: list[Address]
    accounts: list[AccountView]


def account_timeline(account: Account) -> list[TimelineEvent]:
    """Statements and payments of one account, newest first."""
    events = [
        TimelineEvent(
            on=s.statement_date,
            kind="statement",
            amount=s.amount_due,
            due_date=s.due_date,
            closing_balance=s.closing_balance,
        )
        for s in account.statements.all()
    ]
    events += [
        TimelineEvent(
            on=p.paid_on,
            kind="payment",
            amount=p.amount,
            channel=p.get_channel_display(),
            reversed_on=p.reversed_on,
            reference=p.external_id,
        )
        for p in account.payments.all()
    ]
    return sorted(events, key=lambda e: (e.on, e.kind == "payment"), reverse=True)


def customer_profile(
    *, customer: Customer, accounts: Iterable[Account], revealed: bool
) -> CustomerProfile:
    """Build the 360 for ``accounts`` of ``customer`` (the case's accounts, already scoped).

    Masking happens here, once, so no screen or endpoint can forget it.
    """
    phones = [
        PhoneView(
            number=p.number if revealed else mask_phone(p.number),
            kind=p.kind,
            kind_label=p.get_kind_display(),
            verification=p.verification,
            verification_label=p.get_verification_display(),
            is_primary=p.is_primary,
        )
        for p in customer.phones.all()
    ]
    account_rows = (
        Account.objects.filter(pk__in=[a.pk for a in accounts])
        .select_related("branch")
        .prefetch_related("statements", "payments", "guarantors__guarantor")
        .order_by("opened_on", "pk")
    )
    return CustomerProfile(
        customer=customer,
        revealed=revealed,
        national_id=customer.national_id if revealed else mask_national_id(customer.national_id),
        phones=phones,
        addresses=list(customer.addresses.all()),
        accounts=[
            AccountView(
                account=a, timeline=account_timeline(a), guarantors=list(a.guarantors.all())
            )
            for a in account_rows
        ],
    )
