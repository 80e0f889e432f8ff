"""The field-operations charts and the complaints and training charts: aggregated and read back
through the dashboards' selector, they equal the same numbers counted from the source tables."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from doorstep.core.testing import World, make_staff
from doorstep.oversight.complaints import services as complaints
from doorstep.oversight.models import Complaint
from doorstep.oversight.training.services import courses_seed_defaults, training_complete
from doorstep.planning.models import Plan, PlanStop
from doorstep.plans.models import Promise
from doorstep.portfolio.models import Payment
from doorstep.reports.charts import CHARTS
from doorstep.reports.figures import Cell
from doorstep.reports.selectors import ReportFilters, chart_cells, chart_result
from doorstep.reports.services import chart_aggregate
from doorstep.staff.models import Role
from doorstep.visits.models import Visit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 7, 6)


def cells(world: World, slug: str, since: date, until: date | None = None) -> list[Cell]:
    for day in _days(since, until or since):
        chart_aggregate(chart=CHARTS[slug], day=day)
    found, _ = chart_cells(
        user=world.user("admin"),
        chart=CHARTS[slug],
        filters=ReportFilters(since=since, until=until or since),
    )
    return list(found)


def _days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def visit(world: World, on: date, status: str, outcome: str = "", **kw: Any) -> Visit:
    second = kw.pop("second", None) or make_staff(
        f"second_{Visit.objects.count()}", Role.FIELD_AGENT, branch=world.xh
    )
    return Visit.objects.create(
        case=kw.pop("case", world.zhang_case),
        address=world.debtor_zhang.addresses.first(),
        branch=world.xh,
        scheduled_on=on,
        status=status,
        outcome=outcome,
        lead_agent=kw.pop("lead", world.agent_li),
        second_agent=second,
        **kw,
    )


def test_visits_by_outcome_equal_the_visits_of_the_day(world) -> None:
    visit(world, DAY, "completed", "promise")
    visit(world, DAY, "completed", "promise")
    visit(world, DAY, "reported", "not_home")
    visit(world, DAY, "aborted", "safety_abort", abort_reason="safety")
    visit(world, DAY, "scheduled")
    visit(world, DAY + timedelta(days=1), "completed", "refused")
    found = Counter({(c.key, c.key2): c.count for c in cells(world, "visit_outcomes", DAY)})
    direct = Counter(
        (status, outcome)
        for status, outcome in Visit.objects.filter(scheduled_on=DAY).values_list(
            "status", "outcome"
        )
    )
    assert found == direct
    figure = CHARTS["visit_outcomes"].present(cells(world, "visit_outcomes", DAY))
    pie = {item["name"]: item["value"] for item in figure.option["series"][0]["data"]}
    assert pie == {"Done": 3, "Failed": 1, "Planned, not yet done": 1}


def pay(account: Any, on: date, amount: str) -> Payment:
    return Payment.objects.create(
        account=account,
        external_id=f"TXR{Payment.objects.count()}",
        paid_on=on,
        amount=Decimal(amount),
    )


def test_recovery_is_credited_to_the_last_done_visit_within_thirty_days(world) -> None:
    account = world.zhang_case.accounts.get()
    early = visit(world, DAY - timedelta(days=20), "completed", "promise", lead=world.agent_li)
    other = make_staff("agent_ma", Role.FIELD_AGENT, branch=world.xh)
    visit(
        world,
        DAY - timedelta(days=3),
        "completed",
        "promise",
        lead=other,
        second=early.second_agent,
    )
    pay(account, DAY, "300.00")  # credited to agent_ma (the last visit)
    pay(account, DAY - timedelta(days=10), "200.00")  # agent_li's visit was the last before it
    pay(account, DAY - timedelta(days=25), "999.00")  # before any visit: not the field's
    found = cells(world, "visit_recovery", DAY - timedelta(days=30), DAY)
    figure = CHARTS["visit_recovery"].present(found)
    rows = {row[0]: row[1:] for row in figure.rows}
    assert rows[other.employee_number] == [1, 1, Decimal("300.00"), Decimal("300.00")]
    assert rows[world.agent_li.employee_number] == [1, 1, Decimal("200.00"), Decimal("200.00")]


def promise(world: World, due: date, status: str, amount: str, paid: str, channel: str) -> None:
    Promise.objects.create(
        case=world.zhang_case,
        amount=Decimal(amount),
        due_on=due,
        channel=channel,
        taken_by=world.user("agent_li"),
        taken_on=due - timedelta(days=7),
        taken_at=timezone.now(),
        status=status,
        paid=Decimal(paid),
    )


def test_promises_kept_count_only_judged_promises_of_the_range(world) -> None:
    promise(world, DAY, "kept", "500.00", "500.00", "visit")
    promise(world, DAY, "broken", "400.00", "0.00", "visit")
    promise(world, DAY, "partly_kept", "300.00", "100.00", "call")
    promise(world, DAY, "open", "900.00", "0.00", "call")
    promise(world, DAY + timedelta(days=1), "kept", "50.00", "50.00", "call")
    figure = CHARTS["promises_kept"].present(cells(world, "promises_kept", DAY))
    rows = {row[0]: row[1:] for row in figure.rows}
    assert rows["Field visit"] == [
        2,
        1,
        0,
        1,
        Decimal("0.5000"),
        Decimal("900.00"),
        Decimal("500.00"),
    ]
    assert rows["Phone call"] == [
        1,
        0,
        1,
        0,
        Decimal("0.0000"),
        Decimal("300.00"),
        Decimal("100.00"),
    ]


def test_route_kilometres_follow_the_published_plan_of_each_day(world) -> None:
    def plan(day: date, status: str, metres: int, visits: int) -> Plan:
        made = Plan.objects.create(
            branch=world.xh,
            day=day,
            status=status,
            seconds=10,
            metres=metres,
            teams=[{"key": "T1"}, {"key": "T2"}],
            created_by=world.user("manager_wang"),
        )
        start = datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)
        for position in range(visits):
            stop = visit(world, day, "scheduled")
            PlanStop.objects.create(
                plan=made,
                team="T1",
                position=position,
                visit=stop,
                lead_agent=world.agent_li,
                second_agent=stop.second_agent,
                arrive=start,
                start=start,
                end=start,
            )
        return made

    plan(DAY, "superseded", 99_000, 1)
    plan(DAY, "published", 42_500, 3)
    plan(DAY + timedelta(days=1), "published", 10_000, 2)
    figure = CHARTS["route_km"].present(cells(world, "route_km", DAY, DAY + timedelta(days=1)))
    assert figure.rows == [
        [DAY.isoformat(), 2, Decimal("42.50"), 3, Decimal("21.25"), Decimal("14.17")],
        [
            (DAY + timedelta(days=1)).isoformat(),
            2,
            Decimal("10.00"),
            2,
            Decimal("5.00"),
            Decimal("5.00"),
        ],
    ]


def test_complaints_by_category_and_cause_equal_the_complaints_received(world) -> None:
    today = timezone.localdate()
    for category in ("harassment", "harassment", "privacy"):
        complaints.complaint_submit(
            category=category, name="张伟", phone="13912345678", email="", description="太频繁。"
        )
    first = Complaint.objects.filter(category="harassment").first()
    Complaint.objects.filter(pk=first.pk).update(root_cause="agent_conduct")
    found = Counter({(c.key, c.key2): c.count for c in cells(world, "complaints", today)})
    direct = Counter(Complaint.objects.values_list("category", "root_cause"))
    assert found == direct
    figure = CHARTS["complaints"].present(cells(world, "complaints", today))
    assert figure.rows[0][:2] == ["Harassment (too often, at night)", 2]


def test_training_shows_each_course_by_state_on_the_day(world) -> None:
    today = timezone.localdate()
    courses = courses_seed_defaults()
    safety = next(c for c in courses if c.code.startswith("safety") or "safety" in c.topic)
    training_complete(
        course=safety,
        staff=world.agent_li,
        actor=world.user("admin"),
        completed_on=today - timedelta(days=10),
        score=95,
    )
    found = cells(world, "training_due", today)
    grid = Counter({(c.key, c.key2): c.count for c in found})
    field_agents = 2  # agent_li (XH) and agent_sun (BJ)
    assert grid[(safety.code, "current")] + grid[(safety.code, "expiring")] == 1
    assert grid[(safety.code, "missing")] == field_agents - 1
    result = chart_result(
        user=world.user("admin"),
        chart=CHARTS["training_due"],
        filters=ReportFilters(since=today, until=today),
    )
    assert any(row[0] != safety.code for row in result.figure.rows)  # titles, not codes
