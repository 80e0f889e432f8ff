"""Read the bank's records into the plain tables of ``features.History``.

A bulk, system-side read for training and the nightly run (no user, no personal data beyond
amounts and dates), so it bypasses the per-user selectors; nothing here leaves the process
except the scores ``services`` writes. Money becomes float: features are model inputs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from doorstep.cases.lifecycle import Status as CaseStatus
from doorstep.cases.models import Case
from doorstep.compliance.models import ContactEvent
from doorstep.plans.lifecycle import PromiseStatus
from doorstep.plans.models import Promise
from doorstep.portfolio.models import Account, Customer, Payment, Statement
from doorstep.scoring.features import SCHEMAS, History

REACHED = {ContactEvent.Outcome.DEMAND_STATED, ContactEvent.Outcome.DEBTOR_REACHED}


def _frame(name: str, rows: list[tuple[Any, ...]], columns: list[str]) -> pl.DataFrame:
    if list(SCHEMAS[name]) != columns:
        raise ValueError(f"{name}: columns {columns} differ from the contract")
    return pl.DataFrame(rows, schema=SCHEMAS[name], orient="row")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def history_load(*, upto: date, customers: QuerySet[Any] | None = None) -> History:
    """Everything recorded on or before ``upto`` (later rows would be filtered out anyway);
    with ``customers`` (a queryset of customer ids), only theirs — features are per customer,
    so a branch's partition of the nightly run reads its customers' history only."""

    def only(field: str) -> Q:
        return Q(**{f"{field}__in": customers}) if customers is not None else Q()

    accounts = [
        (pk, customer, _float(limit if limit is not None else principal), opened)
        for pk, customer, limit, principal, opened in Account.objects.filter(
            only("customer_id"), opened_on__lte=upto
        ).values_list("pk", "customer_id", "credit_limit", "principal", "opened_on")
    ]
    statements = [
        (account, issued, due, float(p + i + f), float(balance))
        for account, issued, due, p, i, f, balance in Statement.objects.filter(
            only("account__customer_id"), statement_date__lte=upto
        ).values_list(
            "account_id",
            "statement_date",
            "due_date",
            "principal_due",
            "interest_due",
            "fee_due",
            "closing_balance",
        )
    ]
    payments = [
        (account, paid_on, float(amount), reversed_on)
        for account, paid_on, amount, reversed_on in Payment.objects.filter(
            only("account__customer_id"), paid_on__lte=upto
        ).values_list("account_id", "paid_on", "amount", "reversed_on")
    ]
    customer_rows = [
        (pk, _float(income), _float(debts), _float(dependants))
        for pk, income, debts, dependants in Customer.objects.filter(only("pk")).values_list(
            "pk", "monthly_income", "other_debts_declared", "dependants"
        )
    ]
    cases = [
        (
            customer,
            opened,
            timezone.localtime(closed).date() if closed else None,
            status == CaseStatus.CLOSED_CURED.value,
        )
        for customer, opened, closed, status in Case.objects.filter(
            only("customer_id"), opened_on__lte=upto
        ).values_list("customer_id", "opened_on", "closed_at", "status")
    ]
    promises = [
        (customer, taken, evaluated, status == PromiseStatus.BROKEN.value)
        for customer, taken, evaluated, status in Promise.objects.filter(
            only("case__customer_id"), taken_on__lte=upto
        ).values_list("case__customer_id", "taken_on", "evaluated_on", "status")
    ]
    contacts = [
        (
            customer,
            timezone.localtime(at).date(),
            outcome in REACHED,
            outcome == ContactEvent.Outcome.REFUSED,
        )
        for customer, at, outcome in ContactEvent.objects.filter(
            only("customer_id"), Q(at__date__lte=upto)
        ).values_list("customer_id", "at", F("outcome"))
    ]
    return History(
        accounts=_frame("accounts", accounts, ["account_id", "customer_id", "limit", "opened_on"]),
        statements=_frame(
            "statements",
            statements,
            ["account_id", "statement_date", "due_date", "amount_due", "closing_balance"],
        ),
        payments=_frame("payments", payments, ["account_id", "paid_on", "amount", "reversed_on"]),
        customers=_frame(
            "customers",
            customer_rows,
            ["customer_id", "monthly_income", "other_debts", "dependants"],
        ),
        cases=_frame("cases", cases, ["customer_id", "opened_on", "closed_on", "cured"]),
        promises=_frame(
            "promises", promises, ["customer_id", "taken_on", "evaluated_on", "broken"]
        ),
        contacts=_frame("contacts", contacts, ["customer_id", "on", "reached", "refused"]),
    )
