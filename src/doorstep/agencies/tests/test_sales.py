"""Debt sale: the transfer file carries personal data only with the debtor's separate
consent, notices go through the compliance gate, and the file's hash is ledgered."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from doorstep.access.models import ExportRecord
from doorstep.agencies import sales, services
from doorstep.agencies.models import Placement, SaleItem
from doorstep.agencies.rules import PlacementRules
from doorstep.agencies.tests.conftest import AgencyWorld
from doorstep.cases.lifecycle import OPEN
from doorstep.cases.models import Case
from doorstep.cases.services import cases_sync
from doorstep.compliance.models import Decision
from doorstep.core.errors import DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.models import LedgerEntry
from doorstep.portfolio.models import Account
from doorstep.privacy.services import consent_give

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(aw: AgencyWorld):  # type: ignore[no-untyped-def]
    admin = aw.world.user("admin")
    buyer = sales.buyer_register(
        actor=admin,
        code="dongfang",
        name="东方资产管理公司",
        credit_code="91110000710925243K",
        contact_name="王总",
    )
    return sales.sale_create(actor=admin, buyer=buyer, cases=aw.cases[:3], price=Decimal("1500.00"))


def test_the_transfer_file_carries_personal_data_only_with_separate_consent(
    aw: AgencyWorld, sale
) -> None:  # type: ignore[no-untyped-def]
    consenting = aw.cases[0]
    consent_give(
        customer=consenting.customer,
        purpose="transfer_to_buyer",
        channel="letter",
        evidence="Signed consent form 2026-06",
        actor=aw.world.user("compliance_zhou"),
        at=timezone.now() - timedelta(days=1),
    )
    transfer = sales.sale_transfer(actor=aw.world.user("admin"), sale=sale, file_format="csv")
    rows = {r["case"]: r for r in csv.DictReader(io.StringIO(transfer.content.decode()))}
    assert set(rows) == {c.reference for c in aw.cases[:3]}
    assert rows[consenting.reference]["national_id"] == consenting.customer.national_id
    assert rows[consenting.reference]["name"] == consenting.customer.name
    for case in aw.cases[1:3]:
        row = rows[case.reference]
        assert (row["name"], row["national_id"], row["phones"], row["address"]) == ("", "", "", "")
        assert row["face_value"] == f"{case.outstanding_total:.2f}"
        assert case.customer.national_id not in transfer.content.decode()
    assert transfer.sha256 == content_hash(transfer.content)
    entry = LedgerEntry.objects.get(kind="sale.transferred")
    assert transfer.sha256 in entry.data
    sale.refresh_from_db()
    assert sale.file_sha256 == transfer.sha256
    logged = ExportRecord.objects.get()
    assert (logged.category, logged.rows, logged.user) == (
        "statutory",
        3,
        aw.world.user("admin"),
    )


def test_every_debtor_is_sent_a_notice_decided_by_the_compliance_gate(
    aw: AgencyWorld, sale
) -> None:  # type: ignore[no-untyped-def]
    sales.sale_transfer(actor=aw.world.user("admin"), sale=sale, file_format="json")
    items = list(SaleItem.objects.filter(sale=sale))
    assert len(items) == 3
    for item in items:
        assert item.notice_decision is not None
        assert Decision.objects.filter(pk=item.notice_decision_id).exists()
    assert Decision.objects.count() == 3


def test_a_sale_is_transferred_once_and_recalls_agency_placements(aw: AgencyWorld, sale) -> None:  # type: ignore[no-untyped-def]
    batch = services.placement_place(
        actor=aw.world.user("manager_wang"),
        agency=aw.xinda,
        rules=PlacementRules(limit=100),
        ends_on=timezone.localdate() + timedelta(days=30),
    )
    sold = {c.pk for c in aw.cases[:3]}
    assert sold <= set(batch.placements.values_list("case_id", flat=True))
    transfer = sales.sale_transfer(actor=aw.world.user("admin"), sale=sale)
    assert transfer.name.endswith(".csv")
    assert not Placement.objects.filter(case_id__in=sold, recalled_at__isnull=True).exists()
    with pytest.raises(DomainError) as refused:
        sales.sale_transfer(actor=aw.world.user("admin"), sale=sale)
    assert refused.value.code == "already_transferred"


def test_a_sold_debt_leaves_collection_and_no_case_opens_on_it_again(aw: AgencyWorld, sale) -> None:  # type: ignore[no-untyped-def]
    sold = aw.cases[:3]
    sales.sale_transfer(actor=aw.world.user("admin"), sale=sale)
    for case in sold:
        case = Case.objects.get(pk=case.pk)
        assert case.status == "closed_sold"
        assert case.closed_at is not None
        assert set(case.accounts.values_list("status", flat=True)) == {"sold"}
        change = case.status_changes.order_by("-pk").first()
        assert "东方资产管理公司" in change.reason
    # The accounts are still late, but the nightly sync opens no case on them for the bank.
    cases_sync(as_of=timezone.localdate())
    accounts = Account.objects.filter(cases__in=sold)
    assert not Case.objects.filter(accounts__in=accounts, status__in=sorted(OPEN)).exists()
    assert Case.objects.get(pk=aw.cases[3].pk).status == aw.cases[3].status  # not sold


def test_a_case_is_not_sold_twice_and_managers_may_not_sell(aw: AgencyWorld, sale) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as refused:
        sales.sale_create(
            actor=aw.world.user("admin"), buyer=sale.buyer, cases=aw.cases[:1], price=Decimal("1")
        )
    assert refused.value.code == "already_sold"
    with pytest.raises(DomainError) as denied:
        sales.sale_create(
            actor=aw.world.user("manager_wang"),
            buyer=sale.buyer,
            cases=aw.cases[5:6],
            price=Decimal("1"),
        )
    assert denied.value.status == 403


def test_a_sale_through_the_api_answers_the_transfer_file_with_its_hash(
    aw: AgencyWorld, client
) -> None:  # type: ignore[no-untyped-def]
    admin = aw.world.user("admin")
    sales.buyer_register(
        actor=admin,
        code="huarong",
        name="华融资产",
        credit_code="911100007109255774",
        contact_name="李总",
    )
    client.force_login(admin)
    created = client.post(
        "/api/v1/debt-sales",
        {"buyer": "huarong", "case_ids": [aw.cases[3].pk], "price": "300.00"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    reference = created.json()["reference"]
    answer = client.post(f"/api/v1/debt-sales/{reference}/transfer?file_format=json")
    assert answer.status_code == 200
    rows = json_rows(answer.content)
    assert [row["case"] for row in rows] == [aw.cases[3].reference]
    assert rows[0]["national_id"] == ""
    assert answer["X-Content-SHA256"] == content_hash(answer.content)
    client.force_login(aw.world.user("manager_wang"))
    assert client.post(f"/api/v1/debt-sales/{reference}/transfer").status_code == 404


def json_rows(content: bytes) -> list[dict[str, object]]:
    import json

    rows: list[dict[str, object]] = json.loads(content)
    return rows
