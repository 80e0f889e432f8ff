"""No N+1 on the hot paths the load test drives: the case list and the case detail, on the
screens and in the API, take the same number of queries whatever the number of rows shown; a
field sync costs the same few queries per record whatever the batch; an assistant question
costs the same whatever is asked."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.cases.services import case_add_entry, case_assign, case_open
from doorstep.core.testing import AS_OF, make_account, make_customer, make_staff
from doorstep.staff.models import Role
from doorstep.visits.services import visit_propose, visit_schedule

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


def is_merkle(sql: str) -> bool:
    """The ledger's tree queries: how many an append takes depends on where the new leaf falls
    in the tree (a completed subtree writes its node), not on the batch."""
    return "ledger_ledgernode" in sql or '"leaf_hash" AS "leaf_hash"' in sql


def sync_queries(client, visit, seqs: range) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    at = datetime(2026, 7, 1, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    records = [
        {
            "id": str(uuid.uuid4()),
            "visit": visit.pk,
            "kind": "note",
            "seq": seq,
            "captured_at": at.replace(minute=seq).isoformat(),
            "data": {"text": f"note {seq}"},
        }
        for seq in seqs
    ]
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/api/v1/field/sync", {"records": records}, content_type="application/json"
        )
    assert response.status_code == 200
    assert {r["status"] for r in response.json()["results"]} == {"stored"}
    merkle = sum(1 for query in captured.captured_queries if is_merkle(query["sql"]))
    return len(captured) - merkle, merkle


def test_a_field_sync_costs_the_same_queries_per_record_whatever_the_batch(client, world) -> None:
    ma = make_staff("agent_ma", Role.FIELD_AGENT, branch=world.xh, team=world.agent_li.team)
    manager = world.user("manager_wang")
    visit = visit_propose(
        case=world.zhang_case, actor=manager, lead_agent=world.agent_li, second_agent=ma
    )
    visit = visit_schedule(
        visit=visit,
        actor=manager,
        scheduled_on=date(2026, 7, 1),
        window_start=time(10),
        window_end=time(12),
    )
    client.force_login(world.user("agent_li"))
    check_in = {
        "id": str(uuid.uuid4()),
        "visit": visit.pk,
        "kind": "check_in",
        "seq": 1,
        "captured_at": datetime(2026, 7, 1, 10, 5, tzinfo=ZoneInfo("Asia/Shanghai")).isoformat(),
        "data": {"lat": "30.277100", "lon": "120.130100"},
    }
    client.post("/api/v1/field/sync", {"records": [check_in]}, content_type="application/json")
    (one, _), (three, _), (six, tree) = (
        sync_queries(client, visit, seqs) for seqs in (range(2, 3), range(3, 6), range(6, 12))
    )
    per_record = (three - one) // 2
    assert three - one == 2 * per_record
    assert six - three == 3 * per_record
    assert tree <= 2 * 6  # amortised: most appends complete no subtree


@pytest.mark.parametrize(
    "question", ["怎么申请分期还款?", "How do I get a settlement certificate?", "还款"]
)
def test_an_assistant_question_costs_one_query_whatever_is_asked(client, question) -> None:
    client.post("/api/v1/assistant/ask", {"question": "你好"}, content_type="application/json")
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/api/v1/assistant/ask", {"question": question}, content_type="application/json"
        )
    assert response.status_code == 200
    assert response.json()["answer"]
    assert len(captured) <= 1
