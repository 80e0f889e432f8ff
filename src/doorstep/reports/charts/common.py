"""What the portfolio charts share: a case's product, whether it is open, its bucket on a day."""

from __future__ import annotations

from datetime import date

from django.db.models import OuterRef, Q, Subquery

from doorstep.cases.models import BucketChange
from doorstep.portfolio.models import Account


def case_product(case: str = "pk") -> Subquery:
    """The product of a case's oldest account: a case groups one customer's late accounts, and
    the first one is what brought it in. ``case`` names the outer query's case column."""
    return Subquery(
        Account.objects.filter(cases=OuterRef(case))
        .order_by("opened_on", "pk")
        .values("product")[:1]
    )


OPEN = ~Q(status__startswith="closed_")


def bucket_on(day: date) -> Subquery:
    """A case's bucket at the end of ``day``: the last change in its bucket history on or before
    it (None before the case opened). History is dated by the data, not by when a sync ran, so
    any past day aggregates the same way."""
    return Subquery(
        BucketChange.objects.filter(case=OuterRef("pk"), on__lte=day)
        .order_by("-on", "-id")
        .values("to_bucket")[:1]
    )
