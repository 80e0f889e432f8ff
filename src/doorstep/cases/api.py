from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from doorstep.cases.models import Case
from doorstep.cases.selectors import CaseFilters, case_get, case_list

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    reference: str
    customer_name: str
    branch: str
    agent: str | None
    status: str
    bucket: str
    dpd: int
    past_due: Decimal
    outstanding_principal: Decimal
    outstanding_interest: Decimal
    outstanding_penalty: Decimal
    opened_on: date
    arrears_as_of: date

    @staticmethod
    def resolve_customer_name(case: Case) -> str:
        return case.customer.name

    @staticmethod
    def resolve_branch(case: Case) -> str:
        return case.branch.code

    @staticmethod
    def resolve_agent(case: Case) -> str | None:
        return case.agent.display_name if case.agent else None


class CaseQuery(Schema):
    bucket: list[str] = []
    status: list[str] = []
    branch: int | None = None
    agent: int | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_dpd: int | None = None
    max_dpd: int | None = None
    q: str = ""
    sort: str = "-dpd"


@router.get("/cases", response=list[CaseOut])
@paginate
def cases_list(request: HttpRequest, filters: Query[CaseQuery]) -> QuerySet[Case]:
    """Cases the caller may see, filtered and sorted like the case list screen."""
    return case_list(
        user=request.user,
        filters=CaseFilters(
            buckets=tuple(filters.bucket),
            statuses=tuple(filters.status),
            branch=filters.branch,
            agent=filters.agent,
            min_amount=filters.min_amount,
            max_amount=filters.max_amount,
            min_dpd=filters.min_dpd,
            max_dpd=filters.max_dpd,
            search=filters.q,
            sort=filters.sort,
        ),
    )


@router.get("/cases/{case_id}", response=CaseOut)
def cases_detail(request: HttpRequest, case_id: int) -> Case:
    return case_get(user=request.user, pk=case_id)
