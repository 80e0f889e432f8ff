"""Bulk builders of late customers and their cases, for the tests and the benchmark."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from doorstep.cases.models import Case
from doorstep.core.testing import AS_OF
from doorstep.portfolio.models import Account, Address, Customer, Phone
from doorstep.staff.models import Branch


def late_cases(
    branch: Branch,
    n: int,
    *,
    bucket: str = "M2",
    past_due: str = "3000.00",
    prefix: str = "T",
    phone: str | None = "139{:04d}0000",
) -> list[Case]:
    """``n`` open cases at ``branch``, one customer and credit card each, in bulk. Their
    arrears are set directly (the tests here are about who works them, not about ageing)."""
    customers = Customer.objects.bulk_create(
        Customer(
            external_id=f"{prefix}CU{i:07d}",
            name=f"客户{i}",
            national_id="330106198503071234",
        )
        for i in range(n)
    )
    if phone is not None:
        Phone.objects.bulk_create(
            Phone(customer=c, number=phone.format(i), is_primary=True)
            for i, c in enumerate(customers)
        )
    Address.objects.bulk_create(
        Address(customer=c, province="浙江省", city="杭州市", line=f"文三路 {i} 号")
        for i, c in enumerate(customers)
    )
    accounts = Account.objects.bulk_create(
        Account(
            external_id=f"{prefix}AC{i:09d}",
            customer=c,
            branch=branch,
            product=Account.Product.CREDIT_CARD,
            credit_limit=Decimal("50000.00"),
            opened_on=date(2024, 1, 1),
            interest_rate=Decimal("0.1800"),
            due_day=15,
        )
        for i, c in enumerate(customers)
    )
    cases = Case.objects.bulk_create(
        Case(
            reference=f"{prefix}{i:08d}",
            customer=c,
            branch=branch,
            status="new",
            opened_on=date(2026, 5, 1),
            dpd=45,
            bucket=bucket,
            past_due=Decimal(past_due),
            outstanding_principal=Decimal(past_due),
            arrears_as_of=AS_OF,
        )
        for i, c in enumerate(customers)
    )
    Case.accounts.through.objects.bulk_create(
        Case.accounts.through(case_id=case.pk, account_id=account.pk)
        for case, account in zip(cases, accounts, strict=True)
    )
    return cases
