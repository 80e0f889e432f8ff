"""The legal pages and API through HTTP, as the people who use them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from doorstep.cases.models import Case
from doorstep.core.testing import make_customer
from doorstep.legal import services
from doorstep.legal.models import GuaranteeContract, Matter
from doorstep.portfolio.models import Guarantor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def test_the_case_page_shows_the_matters_status_and_a_hand_off_form(client, world) -> None:
    client.force_login(world.user("agent_li"))
    page = client.get(reverse("cases:detail", args=[world.zhang_case.pk]))
    assert reverse("legal:case_panel", args=[world.zhang_case.pk]) in page.content.decode()
    client.post(
        reverse("legal:propose", args=[world.zhang_case.pk]),
        {
            "propose-kind": "suit",
            "propose-claim_amount": "2000.00",
            "propose-specialist": world.legal_qian.pk,
            "propose-reason": "No contact",
            "propose-court": "",
        },
    )
    matter = Matter.objects.get()
    panel = client.get(reverse("legal:case_panel", args=[world.zhang_case.pk])).content.decode()
    assert matter.reference in panel
    assert "Waiting for approval" in panel
    assert "Hand to legal" not in panel  # one hand-off at a time


def test_a_stranger_branch_cannot_propose_or_see_the_panel(client, world) -> None:
    client.force_login(world.user("agent_sun"))
    response = client.post(
        reverse("legal:propose", args=[world.zhang_case.pk]),
        {
            "propose-kind": "suit",
            "propose-claim_amount": "2000.00",
            "propose-specialist": world.legal_qian.pk,
            "propose-reason": "x",
        },
    )
    assert response.status_code == 404
    assert Matter.objects.count() == 0


def test_the_specialist_files_and_ends_proceedings_on_the_matter_page(
    client, world, matter
) -> None:
    client.force_login(world.user("legal_qian"))
    url = reverse("legal:action", args=[matter.pk, "file"])
    response = client.post(
        url,
        {
            "filed_on": "2026-07-10",
            "court": "西湖区人民法院",
            "court_reference": "(2026)浙0106民初1号",
        },
    )
    assert response.status_code == 302
    client.post(
        reverse("legal:action", args=[matter.pk, "decide"]),
        {"ended_on": "2026-11-20", "judgment": "For the bank", "judgment_amount": ""},
    )
    matter.refresh_from_db()
    assert (matter.status, matter.ended_on) == ("decided", date(2026, 11, 20))
    page = client.get(reverse("legal:matter", args=[matter.pk])).content.decode()
    assert "Proceedings ended" in page
    desk = client.get(reverse("legal:desk"))
    assert matter.reference in desk.content.decode()


def test_someone_who_only_sees_the_matter_cannot_change_it(client, world, matter) -> None:
    client.force_login(world.user("agent_li"))
    response = client.post(
        reverse("legal:action", args=[matter.pk, "close"]), {"on": "2026-07-01", "reason": "x"}
    )
    assert response.status_code == 403
    assert Matter.objects.get(pk=matter.pk).status == "preparing"


def test_the_api_lists_matters_and_ends_proceedings(client, world, matter) -> None:
    client.force_login(world.user("legal_qian"))
    services.matter_file(
        matter=matter,
        filed_on=date(2026, 7, 10),
        court="c",
        court_reference="",
        actor=world.user("legal_qian"),
    )
    listed = client.get("/api/v1/legal/matters").json()
    assert [m["reference"] for m in listed] == [matter.reference]
    answer = client.post(
        f"/api/v1/legal/matters/{matter.pk}/decide",
        {"ended_on": "2026-11-20", "judgment": "Mediation agreement", "judgment_amount": "1500.00"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["status"], answer.json()["judgment_amount"]) == ("decided", "1500.00")
    assert Case.objects.get(pk=world.zhang_case.pk).status == "legal"


def test_the_api_hand_off_needs_the_right_to_change_the_case(client, world) -> None:
    client.force_login(world.user("auditor_chen"))
    answer = client.post(
        f"/api/v1/cases/{world.zhang_case.pk}/legal",
        {
            "kind": "suit",
            "claim_amount": "10.00",
            "specialist": world.legal_qian.employee_number,
            "reason": "x",
        },
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert Matter.objects.count() == 0
    assert Decimal("0") == sum((m.claim_amount for m in Matter.objects.all()), Decimal("0"))


def test_a_manager_records_a_guarantee_contract_from_the_case_panel(client, world) -> None:
    brother = make_customer("张强", national_id="330106198808081111")
    guarantee = Guarantor.objects.create(account=world.zhang_case.accounts.get(), guarantor=brother)
    client.force_login(world.user("manager_wang"))
    panel = client.get(reverse("legal:case_panel", args=[world.zhang_case.pk])).content.decode()
    assert "Record a guarantee contract" in panel
    client.post(
        reverse("legal:contract", args=[world.zhang_case.pk]),
        {
            "contract-guarantee": guarantee.pk,
            "contract-number": "GC-9",
            "contract-kind": "joint",
            "contract-signed_on": "2024-01-01",
            "contract-debt_due_on": "2026-05-15",
            "contract-agreed_period_end": "2030-05-15",
        },
    )
    listed = client.get(f"/api/v1/cases/{world.zhang_case.pk}/guarantees").json()
    assert [(g["number"], g["period_ends"], g["guarantor_id"], g["standing"]) for g in listed] == [
        ("GC-9", "2030-05-15", "330106********1111", "running")
    ]


def test_an_agent_cannot_record_a_guarantee_contract(client, world) -> None:
    brother = make_customer("张强", national_id="330106198808081111")
    guarantee = Guarantor.objects.create(account=world.zhang_case.accounts.get(), guarantor=brother)
    client.force_login(world.user("agent_li"))
    answer = client.post(
        f"/api/v1/cases/{world.zhang_case.pk}/guarantees",
        {
            "account": guarantee.account.external_id,
            "guarantor": brother.external_id,
            "number": "GC-9",
            "kind": "joint",
            "signed_on": "2024-01-01",
            "debt_due_on": "2026-05-15",
        },
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert GuaranteeContract.objects.count() == 0


def test_a_demand_on_the_guarantor_from_the_panel_is_recorded_through_the_gate(
    client, world
) -> None:
    from doorstep.legal.models import GuarantorDemand

    brother = make_customer("张强", national_id="330106198808081111")
    guarantee = Guarantor.objects.create(account=world.zhang_case.accounts.get(), guarantor=brother)
    contract = services.guarantee_contract_record(
        guarantee=guarantee,
        number="GC-9",
        kind="joint",
        signed_on=date(2024, 1, 1),
        debt_due_on=date(2026, 5, 15),
        agreed_period_end=date(2030, 5, 15),
        actor=world.user("manager_wang"),
    )
    client.force_login(world.user("agent_li"))
    panel = client.get(reverse("legal:case_panel", args=[world.zhang_case.pk])).content.decode()
    assert f'name="demand-{contract.pk}-channel"' in panel
    client.post(
        reverse("legal:demand", args=[world.zhang_case.pk, contract.pk]),
        {f"demand-{contract.pk}-channel": "letter", f"demand-{contract.pk}-delivered": "on"},
    )
    demand = GuarantorDemand.objects.get()
    assert (demand.channel, demand.delivered, demand.blocked) == ("letter", True, False)
    assert demand.decision.target == "guarantor"
    panel = client.get(reverse("legal:case_panel", args=[world.zhang_case.pk])).content.decode()
    assert "claim preserved" in panel


def test_the_manager_sees_the_hand_off_on_the_approval_page_and_approves_it(client, world) -> None:
    matter = services.matter_propose(
        case=world.zhang_case,
        kind="arbitration",
        claim_amount=Decimal("2000.00"),
        specialist=world.legal_qian,
        reason="Arbitration clause in the card agreement.",
        actor=world.user("agent_li"),
    )
    client.force_login(world.user("manager_wang"))
    page = client.get(reverse("oversight:approval", args=[matter.approval_id]))
    assert page.status_code == 200
    assert matter.reference in page.content.decode()
    answer = client.post(
        f"/api/v1/approvals/{matter.approval_id}/decide",
        {"approve": True, "reason": "Agreed"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert Case.objects.get(pk=world.zhang_case.pk).status == "legal"
