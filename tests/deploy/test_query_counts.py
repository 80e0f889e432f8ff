"""No N+1 on the hot paths the load test drives: the case list and the case detail, on the
screens and in the API, take the same number of queries whatever the number of rows shown."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.cases.services import case_add_entry, case_assign, case_open
from doorstep.core.testing import AS_OF, make_account, make_customer

pytestmark = pytest.mark.django_db


def more_cases(world, count: int) -> None:  # type: ignore[no-untyped-def]
    """``count`` more late customers at XH, each case assigned to agent_li."""
    for n in range(count):
        customer = make_customer(f"客户{n}", national_id=f"33010619800101{n:04d}")
        card = make_account(customer, world.xh, dues=[(date(2026, 5, 15), "900.00")])
        case = case_open(customer=customer, accounts=[card], as_of=AS_OF)
        case_assign(case=case, agent=world.agent_li, actor=world.user("manager_wang"))


def queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("url", ["/cases/?page_size=100", "/api/v1/cases?page_size=100"])
def test_the_case_list_costs_the_same_queries_for_1_or_12_cases(client, world, url) -> None:
    client.force_login(world.user("manager_wang"))
    queries(client, url)  # warm the per-process caches (calendar, parameters, content types)
    few = queries(client, url)
    more_cases(world, 11)
    assert queries(client, url) == few


@pytest.mark.parametrize("path", ["/cases/{pk}/", "/api/v1/cases/{pk}"])
def test_the_case_detail_costs_the_same_queries_with_more_history(client, world, path) -> None:
    client.force_login(world.user("manager_wang"))
    url = path.format(pk=world.zhang_case.pk)
    queries(client, url)
    before = queries(client, url)
    for n in range(8):
        case_add_entry(
            case=world.zhang_case,
            kind="note",
            body=f"Visit note {n}",
            author=world.user("agent_li"),
        )
    case_assign(case=world.zhang_case, agent=world.agent_zhao, actor=world.user("manager_wang"))
    assert queries(client, url) == before
