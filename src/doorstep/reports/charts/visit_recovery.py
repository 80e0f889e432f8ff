"""What field visits bring in, per lead agent: visits done, and payments received within
``WINDOW_DAYS`` after a done visit, credited to the last visit before the payment. A payment
with no done visit in the window is not the field's and is left out."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.cases.models import Case
from doorstep.portfolio.models import Payment
from doorstep.reports.charts import Chart, Kind, Section
from doorstep.reports.charts.common import case_product
from doorstep.reports.figures import ZERO, Cell, Column, ColumnKind, FactRow, Figure
from doorstep.visits.lifecycle import Status
from doorstep.visits.models import Visit

WINDOW_DAYS = 30
DONE = [Status.COMPLETED.value, Status.REPORTED.value]
VISITS = "visits"
RECOVERED = "recovered"
CENTS = Decimal("0.01")


def _visits_done(day: date) -> Iterable[FactRow]:
    rows = (
        Visit.objects.filter(scheduled_on=day, status__in=DONE, lead_agent__isnull=False)
        .annotate(product=case_product("case"))
        .values("branch_id", "lead_agent__team_id", "product", "lead_agent__employee_number")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        yield FactRow(
            row["branch_id"],
            row["lead_agent__team_id"],
            row["product"] or "",
            row["lead_agent__employee_number"],
            VISITS,
            count=row["n"],
        )


class Credit(NamedTuple):
    """The done visit a payment is credited to."""

    on: date | None  # never None here: the query keeps scheduled visits only
    visit_id: int
    branch_id: int
    team_id: int | None
    number: str

    @property
    def order(self) -> tuple[date, int]:
        return (self.on or date.min, self.visit_id)


def _recovered(day: date) -> Iterable[FactRow]:
    payments = list(
        Payment.objects.filter(paid_on=day, reversed_on__isnull=True).values_list(
            "account_id", "account__product", "amount"
        )
    )
    if not payments:
        return
    cases_of: dict[int, list[int]] = defaultdict(list)
    links = Case.accounts.through.objects.filter(account_id__in={p[0] for p in payments})
    for case_id, account_id in links.values_list("case_id", "account_id"):
        cases_of[account_id].append(case_id)
    case_ids = {case_id for ids in cases_of.values() for case_id in ids}
    last_visit: dict[int, Credit] = {}
    visits = Visit.objects.filter(
        case_id__in=case_ids,
        status__in=DONE,
        lead_agent__isnull=False,
        scheduled_on__gte=day - timedelta(days=WINDOW_DAYS),
        scheduled_on__lte=day,
    ).values_list(
        "case_id",
        "scheduled_on",
        "id",
        "branch_id",
        "lead_agent__team_id",
        "lead_agent__employee_number",
    )
    for case_id, on, visit_id, branch_id, team_id, number in visits:
        found = Credit(on, visit_id, branch_id, team_id, number)
        if case_id not in last_visit or found.order > last_visit[case_id].order:
            last_visit[case_id] = found
    amounts: Counter[tuple[int, int | None, str, str]] = Counter()
    totals: dict[tuple[int, int | None, str, str], Decimal] = defaultdict(lambda: ZERO)
    for account_id, product, amount in payments:
        credited = [last_visit[c] for c in cases_of.get(account_id, []) if c in last_visit]
        if not credited:
            continue
        last = max(credited, key=lambda credit: credit.order)
        key = (last.branch_id, last.team_id, product, last.number)
        amounts[key] += 1
        totals[key] += amount
    for key, count in amounts.items():
        yield FactRow(*key, RECOVERED, count=count, amount=totals[key])


def aggregate(day: date) -> Iterable[FactRow]:
    yield from _visits_done(day)
    yield from _recovered(day)


def present(cells: Sequence[Cell]) -> Figure:
    visits: Counter[str] = Counter()
    payments: Counter[str] = Counter()
    recovered: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for cell in cells:
        if cell.key2 == VISITS:
            visits[cell.key] += cell.count
        else:
            payments[cell.key] += cell.count
            recovered[cell.key] += cell.amount
    agents = sorted(set(visits) | set(recovered), key=lambda a: (-recovered[a], a))
    rows: list[list[object]] = [
        [
            agent,
            visits[agent],
            payments[agent],
            recovered[agent],
            (recovered[agent] / visits[agent]).quantize(CENTS) if visits[agent] else None,
        ]
        for agent in agents
    ]
    return Figure(
        columns=[
            Column(_("Lead agent (employee number)")),
            Column(_("Visits done"), ColumnKind.COUNT),
            Column(_("Payments after a visit"), ColumnKind.COUNT),
            Column(_("Recovered"), ColumnKind.MONEY),
            Column(_("Recovered per visit"), ColumnKind.MONEY),
        ],
        rows=rows,
        option={
            "tooltip": {"trigger": "axis"},
            "legend": {"bottom": 0},
            "xAxis": {"type": "category", "data": agents},
            "yAxis": [
                {"type": "value", "name": _("Recovered")},
                {"type": "value", "name": _("Visits done"), "minInterval": 1},
            ],
            "series": [
                {
                    "name": _("Recovered"),
                    "type": "bar",
                    "data": [float(recovered[a]) for a in agents],
                },
                {
                    "name": _("Visits done"),
                    "type": "line",
                    "yAxisIndex": 1,
                    "data": [visits[a] for a in agents],
                },
            ],
        },
    )


CHART = Chart(
    slug="visit_recovery",
    title=gettext_lazy("Recovery per visit, by agent"),
    section=Section.FIELD,
    kind=Kind.FLOW,
    description=gettext_lazy(
        "Visits done in the date range and payments received within 30 days after a done "
        "visit, credited to the lead agent of the last visit before the payment."
    ),
    aggregate=aggregate,
    present=present,
)
