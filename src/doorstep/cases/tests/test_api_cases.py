"""The case endpoints through HTTP, as an integration or the field app would call them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from doorstep.cases import services
from doorstep.cases.models import Case, CaseParticipant, Entry, StatusChange
from doorstep.core.testing import AS_OF, make_account, make_customer
from doorstep.portfolio.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def signed_in(client: Client, world: Any, name: str) -> Client:
    client.force_login(world.user(name))
    return client


def open_case(world: Any, name: str, *, branch: Any, due: date, amount: str = "1000.00") -> Case:
    """A one-account case at ``branch`` whose only due of ``amount`` fell due on ``due``."""
    customer = make_customer(name, phone=f"1380000{len(name):04d}")
    account = make_account(customer, branch, dues=[(due, amount)])
    return services.case_open(customer=customer, accounts=[account], as_of=AS_OF)


def references(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["reference"] for item in response.json()["items"]]


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_the_list_is_paginated_as_count_and_items(world, client) -> None:
    for day in (1, 2, 3):
        open_case(world, f"客户{day}", branch=world.xh, due=date(2026, 6, day))
    admin = signed_in(client, world, "admin")
    first = admin.get("/api/v1/cases?page_size=2&sort=reference")
    second = admin.get("/api/v1/cases?page_size=2&page=2&sort=reference")
    beyond = admin.get("/api/v1/cases?page_size=2&page=9")
    assert (first.json()["count"], second.json()["count"], beyond.json()["count"]) == (5, 5, 5)
    everything = references(admin.get("/api/v1/cases?sort=reference"))
    assert references(first) + references(second) == everything[:4]
    assert beyond.json()["items"] == []


def test_a_list_item_carries_branch_team_agent_amounts_and_dates(world, client) -> None:
    response = signed_in(client, world, "manager_wang").get("/api/v1/cases")
    [item] = response.json()["items"]
    case = world.zhang_case
    assert item == {
        "id": case.pk,
        "reference": case.reference,
        "customer_name": "张伟",
        "branch": {"id": world.xh.pk, "code": "XH", "name": "西湖支行"},
        "team": {"id": world.agent_li.team_id, "name": "外访一组"},
        "agent": {"id": world.agent_li.pk, "display_name": "agent_li", "role": "field_agent"},
        "status": "active",
        "status_label": "Active",
        "bucket": "M3",
        "dpd": 76,
        "past_due": "2000.00",
        "outstanding_principal": "2000.00",
        "outstanding_interest": "0.00",
        "outstanding_penalty": "0.00",
        "outstanding_total": "2000.00",
        "opened_on": "2026-04-16",
        "closed_at": None,
        "arrears_as_of": "2026-06-30",
        "updated_at": item["updated_at"],
    }
    assert item["updated_at"].endswith("+08:00")


def test_filters_narrow_the_list(world, client) -> None:
    fresh = open_case(world, "陈静", branch=world.xh, due=date(2026, 6, 20), amount="300.00")
    admin = signed_in(client, world, "admin")
    zhang, huang = world.zhang_case.reference, world.huang_case.reference
    expectations = {
        "bucket=M1": [fresh.reference],
        "bucket=M2&bucket=M3": [zhang, huang],
        "status=new": [huang, fresh.reference],
        "status=active&status=promised": [zhang],
        f"branch={world.bj.pk}": [huang],
        f"agent={world.agent_li.pk}": [zhang],
        "min_amount=2000&max_amount=4500": [zhang, huang],
        "max_amount=299.99": [],
        "min_dpd=51&max_dpd=60": [huang],
        "q=张伟": [zhang],
        f"q={zhang}": [zhang],
        "sort=amount": [fresh.reference, zhang, huang],
        "sort=-dpd": [zhang, huang, fresh.reference],
    }
    for query, expected in expectations.items():
        assert references(admin.get(f"/api/v1/cases?{query}")) == expected, query


def test_the_m6_plus_bucket_can_be_asked_for_escaped_or_not(world, client) -> None:
    admin = signed_in(client, world, "admin")
    for query in ("bucket=M6%2B", "bucket=M6+"):
        assert admin.get(f"/api/v1/cases?{query}").status_code == 200


def test_unknown_filter_values_answer_422_naming_the_field(world, client) -> None:
    admin = signed_in(client, world, "admin")
    for query, field in (
        ("bucket=M7", "bucket"),
        ("status=open", "status"),
        ("sort=balance", "sort"),
        ("min_amount=lots", "min_amount"),
        ("min_amount=1.234", "min_amount"),
        ("branch=XH", "branch"),
        ("page_size=0", "page_size"),
    ):
        response = admin.get(f"/api/v1/cases?{query}")
        assert response.status_code == 422, query
        assert list(response.json()["error"]["fields"]) == [field], query


def test_the_list_does_not_query_per_case(world, client, django_assert_max_num_queries) -> None:
    for day in range(1, 29):
        open_case(world, f"客户{day}", branch=world.xh, due=date(2026, 6, day))
    manager = signed_in(client, world, "manager_wang")
    # session, user, staff, count, page: the same five for 1 case or 29
    with django_assert_max_num_queries(5):
        response = manager.get("/api/v1/cases?page_size=50")
    assert response.json()["count"] == 29


def test_the_detail_shows_accounts_participants_and_what_the_caller_may_do(world, client) -> None:
    services.case_attach(
        case=world.zhang_case,
        staff=world.legal_qian,
        capacity="legal",
        actor=world.user("manager_wang"),
    )
    response = signed_in(client, world, "agent_li").get(f"/api/v1/cases/{world.zhang_case.pk}")
    body = response.json()
    account = world.zhang_case.accounts.get()
    assert body["customer"] == {
        "id": world.debtor_zhang.pk,
        "external_id": world.debtor_zhang.external_id,
        "name": "张伟",
    }
    assert body["accounts"] == [
        {
            "id": account.pk,
            "external_id": account.external_id,
            "product": "credit_card",
            "product_label": "Credit card",
        }
    ]
    assert [(p["staff"]["display_name"], p["capacity"]) for p in body["participants"]] == [
        ("legal_qian", "legal")
    ]
    assert body["actions"] == ["view", "note", "message", "transition", "reveal"]
    assert body["next_statuses"] == [
        "promised",
        "in_plan",
        "legal",
        "closed_cured",
        "closed_settled",
        "closed_written_off",
    ]


def test_the_customer_is_masked(world, client) -> None:
    response = signed_in(client, world, "agent_li").get(
        f"/api/v1/cases/{world.zhang_case.pk}/customer"
    )
    body = response.json()
    assert (body["revealed"], body["national_id"]) == (False, "330106********1234")
    assert [phone["number"] for phone in body["phones"]] == ["139****5678"]
    assert body["monthly_income"] == "8000.00"
    assert body["addresses"][0]["district"] == "西湖区"
    assert "13912345678" not in response.content.decode()
    assert PersonalDataAccess.objects.count() == 0


def test_revealing_the_customer_shows_full_values_and_logs_who_why_and_where(world, client) -> None:
    response = post(
        signed_in(client, world, "agent_li"),
        f"/api/v1/cases/{world.zhang_case.pk}/customer/reveal",
        {"reason": "Verifying identity at the door"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["revealed"], body["national_id"]) == (True, "330106198503071234")
    assert [phone["number"] for phone in body["phones"]] == ["13912345678"]
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.customer, access.channel) == (
        world.user("agent_li"),
        world.debtor_zhang,
        "api",
    )
    assert (access.reason, access.remote_addr) == ("Verifying identity at the door", "127.0.0.1")


def test_a_reveal_needs_a_reason(world, client) -> None:
    response = post(
        signed_in(client, world, "agent_li"),
        f"/api/v1/cases/{world.zhang_case.pk}/customer/reveal",
        {"reason": "  "},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "reason_required"
    assert list(response.json()["error"]["fields"]) == ["reason"]
    assert PersonalDataAccess.objects.count() == 0


def test_an_auditor_may_not_reveal(world, client) -> None:
    response = post(
        signed_in(client, world, "auditor_chen"),
        f"/api/v1/cases/{world.zhang_case.pk}/customer/reveal",
        {"reason": "Audit sample 2026-07"},
    )
    assert response.status_code == 403
    assert PersonalDataAccess.objects.count() == 0


def test_accounts_come_with_their_statement_and_payment_timeline(world, client) -> None:
    response = signed_in(client, world, "manager_liu").get(
        f"/api/v1/cases/{world.huang_case.pk}/accounts"
    )
    [account] = response.json()
    assert (account["product"], account["branch"], account["interest_rate"]) == (
        "personal_loan",
        "BJ",
        "0.1800",
    )
    assert account["credit_limit"] == "50000.00"
    assert [(e["on"], e["kind"], e["amount"]) for e in account["timeline"]] == [
        ("2026-05-21", "statement", "2500.00"),
        ("2026-05-20", "payment", "500.00"),
        ("2026-04-20", "statement", "2500.00"),
    ]


def test_history_shows_status_bucket_assignment_and_transfer_records(world, client) -> None:
    services.case_transfer(
        case=world.zhang_case,
        to_branch=world.bj,
        actor=world.user("manager_wang"),
        reason="Debtor moved to Binjiang",
    )
    response = signed_in(client, world, "manager_liu").get(
        f"/api/v1/cases/{world.zhang_case.pk}/history"
    )
    body = response.json()
    assert [(c["from_status"], c["to_status"], c["actor"]) for c in body["status_changes"]] == [
        ("", "new", None),
        ("new", "active", "manager_wang"),
    ]
    assert [
        (b["from_bucket"], b["to_bucket"], b["cause"], b["cause_date"], b["cause_amount"])
        for b in body["bucket_changes"]
    ] == [("", "M3", "opened", "2026-04-15", "2000.00")]
    assert [
        (a["branch"], a["agent"] and a["agent"]["display_name"]) for a in body["assignments"]
    ] == [
        ("XH", None),
        ("XH", "agent_li"),
        ("BJ", None),
    ]
    assert [a["ended_at"] is None for a in body["assignments"]] == [False, False, True]
    assert [
        (t["from_branch"], t["to_branch"], t["reason"], t["by"]) for t in body["transfers"]
    ] == [("XH", "BJ", "Debtor moved to Binjiang", "manager_wang")]


def test_notes_and_messages_are_added_and_listed_oldest_first(world, client) -> None:
    agent = signed_in(client, world, "agent_li")
    url = f"/api/v1/cases/{world.zhang_case.pk}/entries"
    note = post(agent, url, {"kind": "note", "body": "  Nobody home; card left.  "})
    message = post(agent, url, {"kind": "message", "body": "Binjiang: do you know this address?"})
    assert (note.status_code, message.status_code) == (201, 201)
    assert note.json() == {
        "id": note.json()["id"],
        "kind": "note",
        "body": "Nobody home; card left.",
        "author": "agent_li",
        "author_branch": "XH",
        "at": note.json()["at"],
    }
    listed = agent.get(url).json()
    assert listed["count"] == 2
    assert [(e["kind"], e["body"]) for e in listed["items"]] == [
        ("note", "Nobody home; card left."),
        ("message", "Binjiang: do you know this address?"),
    ]


def test_an_empty_entry_is_refused_naming_the_body(world, client) -> None:
    response = post(
        signed_in(client, world, "agent_li"),
        f"/api/v1/cases/{world.zhang_case.pk}/entries",
        {"kind": "note", "body": "   "},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "body_required",
        "message": "Write something first.",
        "fields": {"body": ["Write something first."]},
    }
    assert Entry.objects.count() == 0


def test_an_agent_moves_the_case_through_the_lifecycle(world, client) -> None:
    response = post(
        signed_in(client, world, "agent_li"),
        f"/api/v1/cases/{world.zhang_case.pk}/transition",
        {"status": "promised", "reason": "Will pay 2,000 on Friday"},
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_label"]) == (
        "promised",
        "Promised to pay",
    )
    last = StatusChange.objects.filter(case=world.zhang_case).last()
    assert (last.from_status, last.to_status, last.reason, last.actor) == (
        "active",
        "promised",
        "Will pay 2,000 on Friday",
        world.user("agent_li"),
    )


def test_a_transition_without_a_reason_names_the_reason(world, client) -> None:
    response = post(
        signed_in(client, world, "agent_li"),
        f"/api/v1/cases/{world.zhang_case.pk}/transition",
        {"status": "promised"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "transition_refused",
        "message": "Give a reason for this change.",
        "fields": {"reason": ["Give a reason for this change."]},
    }
    assert Case.objects.get(pk=world.zhang_case.pk).status == "active"


def test_only_a_debt_sale_closes_a_case_as_sold(world, client) -> None:
    response = post(
        signed_in(client, world, "manager_wang"),
        f"/api/v1/cases/{world.zhang_case.pk}/transition",
        {"status": "closed_sold", "reason": "sold it myself"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "status": ["Only the transfer of a debt sale closes a case as sold."]
    }
    assert Case.objects.get(pk=world.zhang_case.pk).status == "active"


def test_a_manager_assigns_a_new_case_which_starts_work_on_it(world, client) -> None:
    response = post(
        signed_in(client, world, "manager_liu"),
        f"/api/v1/cases/{world.huang_case.pk}/assign",
        {"agent_id": world.agent_sun.pk, "reason": "Lives near his route"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["agent"]["id"], body["team"]["name"], body["status"]) == (
        world.agent_sun.pk,
        "外访一组",
        "active",
    )


def test_an_agent_of_another_branch_cannot_be_assigned(world, client) -> None:
    response = post(
        signed_in(client, world, "manager_liu"),
        f"/api/v1/cases/{world.huang_case.pk}/assign",
        {"agent_id": world.agent_li.pk},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "agent_not_eligible"
    assert list(response.json()["error"]["fields"]) == ["agent_id"]
    assert Case.objects.get(pk=world.huang_case.pk).agent is None


def test_assigning_the_same_agent_again_names_agent_id(world, client) -> None:
    response = post(
        signed_in(client, world, "manager_wang"),
        f"/api/v1/cases/{world.zhang_case.pk}/assign",
        {"agent_id": world.agent_li.pk},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "already_assigned"
    assert list(response.json()["error"]["fields"]) == ["agent_id"]


def test_a_case_can_be_unassigned(world, client) -> None:
    response = post(
        signed_in(client, world, "manager_wang"),
        f"/api/v1/cases/{world.zhang_case.pk}/assign",
        {"agent_id": None, "reason": "Agent on leave"},
    )
    assert response.status_code == 200
    assert (response.json()["agent"], response.json()["status"]) == (None, "active")


def test_a_transfer_keeps_the_thread_visible_to_the_branch_it_left(world, client) -> None:
    manager = signed_in(client, world, "manager_wang")
    response = post(
        manager,
        f"/api/v1/cases/{world.zhang_case.pk}/transfer",
        {"branch_id": world.bj.pk, "reason": "Debtor moved to Binjiang"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["branch"]["code"], body["agent"], body["actions"]) == (
        "BJ",
        None,
        ["view", "message"],
    )


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"branch_id": 999_999, "reason": "Moved"}, "unknown_branch", "branch_id"),
        ({"branch_id": "XH", "reason": "Moved"}, "invalid", "branch_id"),
        ({"reason": "Moved"}, "invalid", "branch_id"),
        ({"branch_id": "{xh}", "reason": "Moved"}, "same_branch", "branch_id"),
        ({"branch_id": "{bj}", "reason": " "}, "reason_required", "reason"),
    ],
)
def test_a_bad_transfer_names_what_is_wrong(world, client, payload, code, field) -> None:
    if isinstance(payload.get("branch_id"), str) and payload["branch_id"].startswith("{"):
        payload = {**payload, "branch_id": getattr(world, payload["branch_id"][1:-1]).pk}
    response = post(
        signed_in(client, world, "manager_wang"),
        f"/api/v1/cases/{world.zhang_case.pk}/transfer",
        payload,
    )
    assert response.status_code == (422 if code == "invalid" else 400)
    assert response.json()["error"]["code"] == code
    assert list(response.json()["error"]["fields"]) == [field]
    assert Case.objects.get(pk=world.zhang_case.pk).branch == world.xh


def test_a_manager_attaches_a_specialist_who_then_sees_the_case(world, client) -> None:
    response = post(
        signed_in(client, world, "manager_wang"),
        f"/api/v1/cases/{world.zhang_case.pk}/participants",
        {"staff_id": world.legal_qian.pk, "capacity": "legal"},
    )
    assert response.status_code == 201
    assert response.json()["staff"] == {
        "id": world.legal_qian.pk,
        "display_name": "legal_qian",
        "role": "legal_specialist",
    }
    legal = Client()
    legal.force_login(world.user("legal_qian"))
    assert legal.get(f"/api/v1/cases/{world.zhang_case.pk}").status_code == 200


@pytest.mark.parametrize(
    ("who", "capacity", "code"),
    [
        ("finance_wu", "legal", "wrong_role"),
        ("agent_li", "legal", "staff_not_eligible"),
    ],
)
def test_attaching_the_wrong_person_names_staff_id(world, client, who, capacity, code) -> None:
    response = post(
        signed_in(client, world, "manager_wang"),
        f"/api/v1/cases/{world.zhang_case.pk}/participants",
        {"staff_id": getattr(world, who).pk, "capacity": capacity},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert list(response.json()["error"]["fields"]) == ["staff_id"]
    assert CaseParticipant.objects.count() == 0


def test_attaching_twice_is_refused(world, client) -> None:
    manager = signed_in(client, world, "manager_wang")
    url = f"/api/v1/cases/{world.zhang_case.pk}/participants"
    post(manager, url, {"staff_id": world.legal_qian.pk, "capacity": "legal"})
    again = post(manager, url, {"staff_id": world.legal_qian.pk, "capacity": "legal"})
    assert (again.status_code, again.json()["error"]["code"]) == (400, "already_attached")
    assert CaseParticipant.objects.count() == 1


def test_money_is_a_string_with_two_decimals(world, client) -> None:
    Case.objects.filter(pk=world.zhang_case.pk).update(past_due=Decimal("7"))
    response = signed_in(client, world, "admin").get(f"/api/v1/cases/{world.zhang_case.pk}")
    assert response.json()["past_due"] == "7.00"


def test_the_openapi_schema_and_docs_are_served(world, client) -> None:
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/customer",
        "/api/v1/cases/{case_id}/customer/reveal",
        "/api/v1/cases/{case_id}/accounts",
        "/api/v1/cases/{case_id}/history",
        "/api/v1/cases/{case_id}/entries",
        "/api/v1/cases/{case_id}/transition",
        "/api/v1/cases/{case_id}/assign",
        "/api/v1/cases/{case_id}/transfer",
        "/api/v1/cases/{case_id}/participants",
    } <= set(paths)
    assert set(schema.json()["components"]["securitySchemes"]) == {
        "BearerTokenAuth",
        "SessionAuth",
        "ConversationAuth",  # the debtor assistant's conversation token
        "GatewaySignature",  # the SMS gateway's signed delivery receipts
    }
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for operations in paths.values():
        for operation in operations.values():
            for status in ("400", "401", "403", "404", "422"):
                content = operation["responses"][status]["content"]
                assert content["application/json"]["schema"] == error_ref
    assert schema.json()["components"]["schemas"]["ErrorOut"]["properties"]["error"] == {
        "$ref": "#/components/schemas/ErrorDetail"
    }
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"/api/openapi.json" in docs.content
