"""A few named people, places and debts for tests: the same cast in every app's tests.

Two branches of the bank in Hangzhou. 西湖 (XH) has manager_wang, agent_li (field) and
agent_zhao (phone); 滨江 (BJ) has manager_liu and agent_sun. Head office has compliance_zhou,
auditor_chen, complaints_sun, legal_qian, finance_wu and admin. debtor_zhang is late on a credit
card at XH and is worked by agent_li; debtor_huang is late on a loan at BJ, unassigned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from doorstep.cases import services as case_services
from doorstep.cases.models import Case
from doorstep.portfolio.models import Account, Address, Customer, Payment, Phone, Statement
from doorstep.staff.models import Branch, Role, StaffMember, Team

AS_OF = date(2026, 6, 30)
_serial = count(1)


def make_branch(code: str, name: str, *, lat: str = "30.259200", lon: str = "120.130000") -> Branch:
    return Branch.objects.create(
        code=code,
        name=name,
        city="杭州市",
        address=f"杭州市{name}",
        latitude=Decimal(lat),
        longitude=Decimal(lon),
    )


def make_staff(
    username: str,
    role: Role,
    *,
    branch: Branch | None = None,
    team: Team | None = None,
    display_name: str | None = None,
) -> StaffMember:
    user = get_user_model().objects.create_user(username=username, password=settings.DEMO_PASSWORD)
    return StaffMember.objects.create(
        user=user,
        role=role,
        branch=branch,
        team=team,
        display_name=display_name or username,
        employee_number=f"E{next(_serial):05d}",
    )


def make_customer(
    name: str, *, national_id: str = "110105199001011234", phone: str = "13812345678"
) -> Customer:
    serial = next(_serial)
    customer = Customer.objects.create(
        external_id=f"CU{serial:08d}",
        name=name,
        national_id=national_id,
        monthly_income=Decimal("8000.00"),
        household_size=3,
        dependants=1,
    )
    Phone.objects.create(customer=customer, number=phone, is_primary=True)
    Address.objects.create(
        customer=customer,
        province="浙江省",
        city="杭州市",
        district="西湖区",
        line="文三路 100 号 1 幢 201 室",
        latitude=Decimal("30.277000"),
        longitude=Decimal("120.130000"),
    )
    return customer


def make_account(
    customer: Customer,
    branch: Branch,
    *,
    product: str = Account.Product.CREDIT_CARD,
    dues: Iterable[tuple[date, str]] = (),
    payments: Iterable[tuple[date, str]] = (),
    external_id: str | None = None,
) -> Account:
    """An account with dues ``(due_date, amount)`` billed 20 days before they fall due, all
    principal, and payments ``(value_date, amount)``."""
    serial = next(_serial)
    account = Account.objects.create(
        external_id=external_id or f"AC{serial:010d}",
        customer=customer,
        branch=branch,
        product=product,
        credit_limit=Decimal("50000.00"),
        opened_on=date(2024, 1, 1),
        interest_rate=Decimal("0.1800"),
        due_day=15,
    )
    for due_date, amount in dues:
        Statement.objects.create(
            account=account,
            statement_date=date.fromordinal(due_date.toordinal() - 20),
            due_date=due_date,
            principal_due=Decimal(amount),
            interest_due=Decimal("0.00"),
            fee_due=Decimal("0.00"),
            closing_balance=Decimal("20000.00"),
        )
    for paid_on, amount in payments:
        Payment.objects.create(
            account=account,
            external_id=f"TX{next(_serial):012d}",
            paid_on=paid_on,
            amount=Decimal(amount),
        )
    return account


@dataclass
class World:
    xh: Branch
    bj: Branch
    manager_wang: StaffMember
    agent_li: StaffMember
    agent_zhao: StaffMember
    manager_liu: StaffMember
    agent_sun: StaffMember
    branch_admin_he: StaffMember
    compliance_zhou: StaffMember
    auditor_chen: StaffMember
    complaints_sun: StaffMember
    legal_qian: StaffMember
    finance_wu: StaffMember
    admin: StaffMember
    debtor_zhang: Customer
    debtor_huang: Customer
    zhang_case: Case
    huang_case: Case

    def user(self, name: str) -> Any:
        member: StaffMember = getattr(self, name)
        return member.user


def build_world() -> World:
    xh = make_branch("XH", "西湖支行")
    bj = make_branch("BJ", "滨江支行", lat="30.208300", lon="120.211900")
    xh_field = Team.objects.create(branch=xh, name="外访一组", kind=Team.Kind.FIELD)
    xh_phone = Team.objects.create(branch=xh, name="电催一组", kind=Team.Kind.PHONE)
    bj_field = Team.objects.create(branch=bj, name="外访一组", kind=Team.Kind.FIELD)
    staff = {
        "manager_wang": make_staff("manager_wang", Role.COLLECTIONS_MANAGER, branch=xh),
        "agent_li": make_staff("agent_li", Role.FIELD_AGENT, branch=xh, team=xh_field),
        "agent_zhao": make_staff("agent_zhao", Role.PHONE_AGENT, branch=xh, team=xh_phone),
        "manager_liu": make_staff("manager_liu", Role.COLLECTIONS_MANAGER, branch=bj),
        "agent_sun": make_staff("agent_sun", Role.FIELD_AGENT, branch=bj, team=bj_field),
        "branch_admin_he": make_staff("branch_admin_he", Role.BRANCH_ADMIN, branch=xh),
        "compliance_zhou": make_staff("compliance_zhou", Role.COMPLIANCE_OFFICER),
        "auditor_chen": make_staff("auditor_chen", Role.INTERNAL_AUDITOR),
        "complaints_sun": make_staff("complaints_sun", Role.COMPLAINT_HANDLER),
        "legal_qian": make_staff("legal_qian", Role.LEGAL_SPECIALIST),
        "finance_wu": make_staff("finance_wu", Role.FINANCE_SPECIALIST),
        "admin": make_staff("admin", Role.HEAD_OFFICE_ADMIN),
    }
    zhang = make_customer("张伟", national_id="330106198503071234", phone="13912345678")
    zhang_card = make_account(
        zhang, xh, dues=[(date(2026, 4, 15), "1000.00"), (date(2026, 5, 15), "1000.00")]
    )
    huang = make_customer("黄丽", national_id="330108199208082345", phone="13787654321")
    huang_loan = make_account(
        huang,
        bj,
        product=Account.Product.PERSONAL_LOAN,
        dues=[(date(2026, 5, 10), "2500.00"), (date(2026, 6, 10), "2500.00")],
        payments=[(date(2026, 5, 20), "500.00")],
    )
    zhang_case = case_services.case_open(customer=zhang, accounts=[zhang_card], as_of=AS_OF)
    zhang_case = case_services.case_assign(
        case=zhang_case, agent=staff["agent_li"], actor=staff["manager_wang"].user
    )
    huang_case = case_services.case_open(customer=huang, accounts=[huang_loan], as_of=AS_OF)
    return World(
        xh=xh,
        bj=bj,
        debtor_zhang=zhang,
        debtor_huang=huang,
        zhang_case=zhang_case,
        huang_case=huang_case,
        **staff,
    )
