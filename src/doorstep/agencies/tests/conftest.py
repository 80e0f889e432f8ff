"""The agency cast: 信达催收 (agency_xinda) with its contract and assessment, its user
agency_liu, and twenty-odd late cases at 西湖支行 to place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from doorstep.agencies import services
from doorstep.agencies.models import Agency, AgencyMember
from doorstep.cases import services as case_services
from doorstep.cases.models import Case
from doorstep.core.testing import AS_OF, World, make_account, make_customer, make_staff
from doorstep.staff.models import Role, StaffMember


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


@dataclass
class AgencyWorld:
    world: World
    xinda: Agency
    agency_liu: StaffMember
    cases: list[Case]  # late cases at XH, worked by agent_li, oldest first


def late_case(world: World, n: int, *, due: date, amount: str = "1000.00") -> Case:
    customer = make_customer(
        f"客户{n:02d}", national_id=f"3301061985030{n:05d}", phone=f"139{n:08d}"
    )
    account = make_account(customer, world.xh, dues=[(due, amount)])
    case = case_services.case_open(customer=customer, accounts=[account], as_of=AS_OF)
    return case_services.case_assign(case=case, agent=world.agent_li, actor=world.manager_wang.user)


def register_agency(
    world: World, *, code: str = "xinda", data_allowed: tuple[str, ...] = ("addresses",)
) -> Agency:
    admin = world.user("admin")
    today = timezone.localdate()
    agency = services.agency_register(
        actor=admin,
        code=code,
        name=f"{code} 催收服务有限公司",
        credit_code=f"91330100MA{abs(hash(code)) % 10**8:08d}",
        contact_name="刘经理",
        contact_phone="057188880000",
    )
    services.contract_add(
        actor=admin,
        agency=agency,
        number=f"WT-{code}-001",
        signed_on=today - timedelta(days=40),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=365),
        scope="Telephone and letter collection of placed credit-card debts.",
        data_allowed=data_allowed,
    )
    services.assessment_add(
        actor=world.user("compliance_zhou"),
        agency=agency,
        assessed_on=today - timedelta(days=35),
        conclusion="acceptable",
        risks="Agency staff could copy debtor data.",
        measures="Masked ID numbers; access only to placed cases; monthly audits.",
    )
    return agency


def agency_user(world: World, agency: Agency, username: str) -> StaffMember:
    staff = make_staff(username, Role.AGENCY_USER, display_name=username)
    services.member_add(actor=world.user("admin"), agency=agency, staff=staff)
    return staff


@pytest.fixture
def aw(world: World) -> AgencyWorld:
    cases = [
        late_case(world, n, due=date(2025, 12, 15) + timedelta(days=n), amount=f"{1000 + n}.00")
        for n in range(1, 25)
    ]
    xinda = register_agency(world)
    return AgencyWorld(
        world=world, xinda=xinda, agency_liu=agency_user(world, xinda, "agency_liu"), cases=cases
    )


def member(staff: StaffMember) -> Any:
    return AgencyMember.objects.get(staff=staff)
