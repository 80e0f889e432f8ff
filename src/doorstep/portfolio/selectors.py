"""Reads of customers and accounts. User-facing reads are scoped through the case they belong to;
the bulk readers here serve services and jobs that have already decided what to read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from doorstep.cases.delinquency import Due, History, Paid
from doorstep.portfolio.models import Payment, Statement


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
