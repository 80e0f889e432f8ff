"""Commission schedules and agency performance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.agencies import commission, services
from doorstep.agencies.rules import PlacementRules
from doorstep.agencies.selectors import performance
from doorstep.agencies.tests.conftest import AgencyWorld
from doorstep.core.errors import DomainError
from doorstep.oversight.complaints.services import complaint_intake, complaint_link
from doorstep.plans.models import Promise
from doorstep.portfolio.models import Payment

D = Decimal


def test_commission_uses_the_schedule_in_force_on_the_payment_day_and_the_placed_bucket() -> None:
    schedules = [
        commission.Schedule(date(2026, 1, 1), {"M6": D("20"), "M6+": D("30")}),
        commission.Schedule(date(2026, 7, 1), {"M6": D("25")}),
    ]
    assert commission.commission_for(
        commission.Recovery(date(2026, 6, 30), D("1000.00"), "M6"), schedules
    ) == D("200.00")
    assert commission.commission_for(
        commission.Recovery(date(2026, 7, 1), D("1000.00"), "M6"), schedules
    ) == D("250.00")
    assert commission.commission_for(
        commission.Recovery(date(2026, 7, 1), D("1000.00"), "M6+"), schedules
    ) == D("0.00")  # the new schedule has no M6+ rate
    assert commission.commission_for(
        commission.Recovery(date(2025, 12, 31), D("1000.00"), "M6"), schedules
    ) == D("0.00")  # before any schedule


def test_commission_rounds_half_up_to_the_fen_per_payment() -> None:
    schedules = [commission.Schedule(date(2026, 1, 1), {"M1": D("12.5")})]
    recoveries = [commission.Recovery(date(2026, 2, 1), D("0.10"), "M1")] * 3
    assert commission.commission_for(recoveries[0], schedules) == D("0.01")  # 0.0125
    assert commission.commission_total(recoveries, schedules) == D("0.03")


def test_rates_are_per_cent_with_one_decimal() -> None:
    assert commission.rate(D("1"), D("3")) == D("33.3")
    assert commission.rate(0, 0) is None


@pytest.mark.django_db
def test_a_schedule_refuses_unknown_buckets_and_rates_over_100(aw: AgencyWorld) -> None:
    admin = aw.world.user("admin")
    for rates in ({"M9": "10"}, {"M1": "100.01"}, {"M1": "abc"}, {}):
        with pytest.raises(DomainError):
            services.schedule_add(
                actor=admin, agency=aw.xinda, effective_from=date(2026, 1, 1), rates=rates
            )


@pytest.mark.django_db
def test_performance_counts_recoveries_complaints_promises_and_commission(
    aw: AgencyWorld, client: Client
) -> None:
    admin = aw.world.user("admin")
    manager = aw.world.user("manager_wang")
    services.schedule_add(
        actor=admin,
        agency=aw.xinda,
        effective_from=date(2020, 1, 1),
        rates={"M6": "20", "M6+": "20"},
    )
    batch = services.placement_place(
        actor=manager,
        agency=aw.xinda,
        rules=PlacementRules(limit=4),
        ends_on=timezone.localdate() + timedelta(days=60),
    )
    placements = list(batch.placements.select_related("case").order_by("case__reference"))
    today = timezone.localdate()
    paid = placements[0]
    account = paid.case.accounts.get()
    Payment.objects.create(account=account, external_id="TX-P1", paid_on=today, amount=D("500"))
    Payment.objects.create(  # before the placement: not the agency's recovery
        account=account, external_id="TX-P0", paid_on=today - timedelta(days=5), amount=D("99")
    )
    for status in ["kept", "broken", "open"]:
        Promise.objects.create(
            case=placements[1].case,
            amount=D("100"),
            due_on=today,
            channel="call",
            taken_on=today,
            taken_at=timezone.now(),
            status=status,
        )
    handler = aw.world.user("complaints_sun")
    filed = complaint_intake(
        actor=handler,
        channel="phone",
        category="harassment",
        name="客户",
        phone="13900000002",
        email="",
        description="Rude caller.",
    )
    complaint_link(complaint=filed.complaint, actor=handler, case=placements[2].case)
    row = next(r for r in performance(user=manager) if r.agency == aw.xinda)
    assert row.placed == 4
    assert row.in_force == 3  # the complaint recalled one
    assert row.recovered == D("500.00")
    outstanding = sum((p.outstanding for p in placements), D("0"))
    assert row.outstanding == outstanding
    assert row.recovery_rate == commission.rate(D("500"), outstanding)
    assert row.complaints == 1
    assert row.complaint_rate == D("25.0")
    assert (row.promises_kept, row.promises_judged, row.kept_rate) == (1, 2, D("50.0"))
    assert row.commission == D("100.00")
    client.force_login(manager)
    page = client.get("/agencies/")
    assert page.status_code == 200
    assert b'data-chart="agency-chart"' in page.content
    api = client.get("/api/v1/agencies").json()
    assert api[0]["recovered"] == "500.00"


@pytest.mark.django_db
def test_agents_and_agency_users_do_not_see_the_register(aw: AgencyWorld, client: Client) -> None:
    for name in ("agent_li",):
        client.force_login(aw.world.user(name))
        assert client.get("/agencies/").status_code == 404
        assert client.get("/api/v1/agencies").json() == []
    client.force_login(aw.agency_liu.user)
    assert client.get("/agencies/").status_code == 404
    assert client.get(f"/agencies/{aw.xinda.pk}/").status_code == 404
