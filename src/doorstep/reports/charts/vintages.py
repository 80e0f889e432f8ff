"""Cure and recovery rates by vintage (the month a case opened), as of the day.

Cure rate: the share of a vintage's cases closed as cured whose bucket history shows them
current by the day. Recovery rate: payments
received on the case's accounts from its opening to the day (reversals by then excluded), over
what was past due when it opened (``amount2`` / ``amount``). A case that ages further after
opening can recover more than 100 % of its opening arrears.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.cases.delinquency import Bucket
from doorstep.cases.lifecycle import Status
from doorstep.cases.models import BucketChange, Case
from doorstep.portfolio.models import Payment
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.common import bucket_on, case_product
from doorstep.reports.figures import Cell, Column, ColumnKind, FactRow, Figure, percent_points, rate

CURED = "cured"
NOT_CURED = "not_cured"
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def aggregate(day: date) -> Iterable[FactRow]:
    opening = Subquery(
        BucketChange.objects.filter(case=OuterRef("pk"), cause=BucketChange.Cause.OPENED)
        .order_by("on", "id")
        .values("cause_amount")[:1],
        output_field=_MONEY,
    )
    recovered = Subquery(
        Payment.objects.filter(
            Q(reversed_on__isnull=True) | Q(reversed_on__gt=day),
            account__cases=OuterRef("pk"),
            paid_on__gte=OuterRef("opened_on"),
            paid_on__lte=day,
        )
        .order_by()
        .values("account__cases")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=_MONEY,
    )
    zero = Value(Decimal("0.00"), output_field=_MONEY)
    rows = (
        Case.objects.filter(opened_on__lte=day)
        .annotate(
            vintage=TruncMonth("opened_on"),
            product=case_product(),
            opening=Coalesce(opening, zero),
            recovered=Coalesce(recovered, zero),
            bucket_then=bucket_on(day),
        )
        .values("branch_id", "team_id", "product", "vintage")
        .annotate(
            n=Count("id"),
            cured=Count(
                "id",
                filter=Q(status=Status.CLOSED_CURED.value, bucket_then=Bucket.CURRENT.value),
            ),
            owed=Sum("opening"),
            paid=Sum("recovered"),
        )
        .order_by()
    )
    for row in rows:
        dims = (row["branch_id"], row["team_id"], row["product"] or "")
        vintage = row["vintage"].strftime("%Y-%m")
        if row["cured"]:
            yield FactRow(*dims, vintage, CURED, count=row["cured"])
        yield FactRow(
            *dims,
            vintage,
            NOT_CURED,
            count=row["n"] - row["cured"],
            amount=row["owed"],
            amount2=row["paid"],
        )


def present(cells: Sequence[Cell]) -> Figure:
    vintages = sorted({cell.key for cell in cells})
    rows, cures, recoveries = [], [], []
    for vintage in vintages:
        mine = [cell for cell in cells if cell.key == vintage]
        total = sum(cell.count for cell in mine)
        cured = sum(cell.count for cell in mine if cell.key2 == CURED)
        owed = sum((cell.amount for cell in mine), start=Decimal("0.00"))
        paid = sum((cell.amount2 for cell in mine), start=Decimal("0.00"))
        cure, recovery = rate(cured, total), rate(paid, owed)
        rows.append([vintage, total, cured, cure, owed, paid, recovery])
        cures.append(percent_points(cure))
        recoveries.append(percent_points(recovery))
    return Figure(
        columns=[
            Column(_("Vintage")),
            Column(_("Cases"), ColumnKind.COUNT),
            Column(_("Cured"), ColumnKind.COUNT),
            Column(_("Cure rate"), ColumnKind.PERCENT),
            Column(_("Past due at opening"), ColumnKind.MONEY),
            Column(_("Recovered"), ColumnKind.MONEY),
            Column(_("Recovery rate"), ColumnKind.PERCENT),
        ],
        rows=rows,
        option={
            "tooltip": {"trigger": "axis"},
            "legend": {"data": [_("Cure rate"), _("Recovery rate")]},
            "xAxis": {"type": "category", "data": vintages},
            "yAxis": {"type": "value", "name": "%"},
            "series": [
                {"name": _("Cure rate"), "type": "line", "data": cures},
                {"name": _("Recovery rate"), "type": "line", "data": recoveries},
            ],
        },
    )


CHART = Chart(
    slug="vintages",
    title=gettext_lazy("Cure and recovery rates by vintage"),
    section=Section.PORTFOLIO,
    kind=Kind.SNAPSHOT,
    description=gettext_lazy(
        "Cases by the month they opened: the share cured, and payments received since opening "
        "over what was past due at opening."
    ),
    aggregate=aggregate,
    present=present,
)
