"""Placing cases with an agency by rules, what its users then see, and the three recalls."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.agencies import services
from doorstep.agencies.models import Placement, PlacementBatch
from doorstep.agencies.rules import PlacementRules
from doorstep.agencies.tests.conftest import AgencyWorld, agency_user, register_agency
from doorstep.cases.models import Case
from doorstep.cases.selectors import case_visible
from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.complaints.services import complaint_intake, complaint_link
from doorstep.portfolio.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


def place(aw: AgencyWorld, limit: int = 20, **rules: object) -> PlacementBatch:
    return services.placement_place(
        actor=aw.world.user("manager_wang"),
        agency=aw.xinda,
        rules=PlacementRules(limit=limit, **rules),  # type: ignore[arg-type]
        ends_on=timezone.localdate() + timedelta(days=90),
    )


def visible(aw: AgencyWorld) -> set[str]:
    return set(case_visible(user=aw.agency_liu.user).values_list("reference", flat=True))


def test_a_batch_takes_the_oldest_matching_cases_up_to_the_limit(aw: AgencyWorld) -> None:
    batch = place(aw, limit=20)
    placed = list(batch.placements.order_by("-dpd").values_list("case__reference", "dpd"))
    oldest = sorted(aw.cases, key=lambda c: -c.dpd)[:20]
    assert [ref for ref, _dpd in placed] == [c.reference for c in oldest]
    assert batch.reference.startswith("PB")
    assert batch.rules["limit"] == 20
    assert LedgerEntry.objects.filter(kind="agency.placed").count() == 1


def test_rules_choose_by_amount_and_dpd(aw: AgencyWorld) -> None:
    batch = place(aw, limit=100, min_amount=Decimal("1010.00"), max_dpd=190)
    for placement in batch.placements.select_related("case"):
        assert placement.case.past_due >= Decimal("1010.00")
        assert placement.case.dpd <= 190
    assert batch.placements.count() == sum(
        1
        for c in [*aw.cases, aw.world.zhang_case]
        if c.past_due >= Decimal("1010.00") and c.dpd <= 190
    )


def test_a_case_already_placed_is_not_placed_again(aw: AgencyWorld) -> None:
    first = place(aw, limit=20)
    second = place(aw, limit=20)
    assert not set(first.placements.values_list("case", flat=True)) & set(
        second.placements.values_list("case", flat=True)
    )
    assert second.placements.count() == len(aw.cases) + 1 - 20  # zhang's case is at XH too


def test_the_agency_user_sees_exactly_the_placed_cases(aw: AgencyWorld) -> None:
    assert visible(aw) == set()
    batch = place(aw, limit=20)
    assert visible(aw) == set(batch.placements.values_list("case__reference", flat=True))
    assert len(visible(aw)) == 20


def test_another_agency_sees_nothing_of_this_agencys_cases(aw: AgencyWorld) -> None:
    place(aw, limit=20)
    other = register_agency(aw.world, code="huaxia")
    stranger = agency_user(aw.world, other, "agency_ma")
    assert not case_visible(user=stranger.user).exists()


def test_placing_needs_a_contract_in_force(aw: AgencyWorld) -> None:
    aw.xinda.contracts.update(ends_on=timezone.localdate() - timedelta(days=1))
    aw.xinda.contracts.update(starts_on=timezone.localdate() - timedelta(days=60))
    with pytest.raises(DomainError) as refused:
        place(aw)
    assert refused.value.code == "no_contract"
    assert not Placement.objects.exists()


def test_placing_needs_a_prior_assessment_finding_the_risks_acceptable(aw: AgencyWorld) -> None:
    services.assessment_add(
        actor=aw.world.user("compliance_zhou"),
        agency=aw.xinda,
        assessed_on=timezone.localdate(),
        conclusion="not_acceptable",
        risks="The agency keeps call recordings on personal phones.",
        measures="None yet.",
    )
    with pytest.raises(DomainError) as refused:
        place(aw)
    assert refused.value.code == "no_assessment"
    assert not Placement.objects.exists()


def test_a_placement_may_not_outlast_the_contract(aw: AgencyWorld) -> None:
    with pytest.raises(DomainError) as refused:
        services.placement_place(
            actor=aw.world.user("manager_wang"),
            agency=aw.xinda,
            rules=PlacementRules(limit=5),
            ends_on=timezone.localdate() + timedelta(days=400),
        )
    assert refused.value.code == "beyond_contract"


def test_an_agent_may_not_place_cases(aw: AgencyWorld) -> None:
    with pytest.raises(DomainError) as refused:
        services.placement_place(
            actor=aw.world.user("agent_li"),
            agency=aw.xinda,
            rules=PlacementRules(limit=5),
            ends_on=timezone.localdate() + timedelta(days=30),
        )
    assert refused.value.status == 403
    assert not Placement.objects.exists()


def test_a_manager_places_only_cases_of_their_branch(aw: AgencyWorld) -> None:
    batch = services.placement_place(
        actor=aw.world.user("manager_liu"),
        agency=aw.xinda,
        rules=PlacementRules(limit=100),
        ends_on=timezone.localdate() + timedelta(days=30),
    )
    assert list(batch.placements.values_list("case__reference", flat=True)) == [
        aw.world.huang_case.reference
    ]


def test_a_recall_at_will_removes_access_at_once(aw: AgencyWorld) -> None:
    batch = place(aw, limit=20)
    target = batch.placements.select_related("case").first()
    assert target is not None
    services.placements_recall(
        actor=aw.world.user("manager_wang"), placements=[target], note="Debtor moved away."
    )
    assert target.case.reference not in visible(aw)
    assert len(visible(aw)) == 19
    target.refresh_from_db()
    assert target.recall_reason == Placement.Recall.AT_WILL
    assert LedgerEntry.objects.filter(kind="agency.recalled").count() == 1


def test_the_end_of_term_ends_access_before_the_task_records_it(aw: AgencyWorld) -> None:
    batch = place(aw, limit=5)
    batch.placements.update(ends_on=timezone.localdate() - timedelta(days=1))
    assert visible(aw) == set()
    assert services.placements_expire() == 5
    assert services.placements_expire() == 0  # safe to run twice
    assert set(batch.placements.values_list("recall_reason", flat=True)) == {"end_of_term"}


def test_a_complaint_linked_to_a_placed_case_recalls_it(aw: AgencyWorld) -> None:
    batch = place(aw, limit=20)
    placement = batch.placements.select_related("case").first()
    assert placement is not None
    handler = aw.world.user("complaints_sun")
    filed = complaint_intake(
        actor=handler,
        channel="phone",
        category="harassment",
        name="客户",
        phone="13900000001",
        email="",
        description="The agency called me eight times a day.",
    )
    complaint_link(complaint=filed.complaint, actor=handler, case=placement.case)
    placement.refresh_from_db()
    assert placement.recall_reason == Placement.Recall.COMPLAINT
    assert placement.complaint_id == filed.complaint.pk
    assert placement.case.reference not in visible(aw)
    # and a case with an open complaint is not placed again
    again = place(aw, limit=100)
    assert placement.case_id not in set(again.placements.values_list("case_id", flat=True))


def test_the_agency_user_sees_only_the_fields_the_contract_allows(
    aw: AgencyWorld, client: Client
) -> None:
    batch = place(aw, limit=20)
    case = batch.placements.first().case  # type: ignore[union-attr]
    client.force_login(aw.agency_liu.user)
    customer = client.get(f"/api/v1/cases/{case.pk}/customer").json()
    assert customer["national_id"] == ""
    assert customer["phones"][0]["number"].count("*") == 4  # masked
    assert customer["addresses"]  # the contract allows addresses
    assert customer["employer"] == ""
    assert customer["monthly_income"] is None
    accounts = client.get(f"/api/v1/cases/{case.pk}/accounts").json()
    assert accounts[0]["timeline"] == []  # no account history in this contract
    assert not PersonalDataAccess.objects.exists()
    reveal = client.post(
        f"/api/v1/cases/{case.pk}/customer/reveal",
        {"reason": "calling the debtor"},
        content_type="application/json",
    )
    assert reveal.status_code == 403
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert case.customer.national_id.encode() not in page.content


def test_a_contract_allowing_phones_shows_them_in_full_and_logs_it(
    aw: AgencyWorld, client: Client
) -> None:
    aw.xinda.contracts.update(data_allowed=["phones", "account_history"])
    batch = place(aw, limit=3)
    case = batch.placements.first().case  # type: ignore[union-attr]
    client.force_login(aw.agency_liu.user)
    customer = client.get(f"/api/v1/cases/{case.pk}/customer").json()
    assert customer["phones"][0]["number"] == case.customer.phones.first().number
    assert customer["national_id"] == ""
    assert customer["addresses"] == []
    access = PersonalDataAccess.objects.get()
    assert access.fields == ["phones"]
    assert access.user == aw.agency_liu.user
    assert client.get(f"/api/v1/cases/{case.pk}/accounts").json()[0]["timeline"]


def test_the_agency_user_adds_notes_but_no_thread_messages_or_status_changes(
    aw: AgencyWorld, client: Client
) -> None:
    batch = place(aw, limit=1)
    case = batch.placements.first().case  # type: ignore[union-attr]
    client.force_login(aw.agency_liu.user)
    url = f"/api/v1/cases/{case.pk}"
    note = client.post(
        f"{url}/entries", {"kind": "note", "body": "Letter sent."}, content_type="application/json"
    )
    assert note.status_code == 201
    message = client.post(
        f"{url}/entries", {"kind": "message", "body": "Hi"}, content_type="application/json"
    )
    assert message.status_code == 403
    status = client.post(
        f"{url}/transition",
        {"status": "promised", "reason": "x"},
        content_type="application/json",
    )
    assert status.status_code == 403
    case.refresh_from_db()
    assert case.status == "active"


def test_the_nightly_task_recalls_cases_closed_cured_but_not_written_off(aw: AgencyWorld) -> None:
    batch = place(aw, limit=3)
    cured, written_off, open_case = (p.case for p in batch.placements.select_related("case"))
    Case.objects.filter(pk=cured.pk).update(status="closed_cured")
    Case.objects.filter(pk=written_off.pk).update(status="closed_written_off")
    assert services.placements_expire() == 1
    reasons = dict(batch.placements.values_list("case_id", "recall_reason"))
    assert reasons == {cured.pk: "case_closed", written_off.pk: "", open_case.pk: ""}


def test_a_manager_may_not_recall_another_branchs_cases(aw: AgencyWorld) -> None:
    batch = place(aw, limit=2)
    with pytest.raises(DomainError) as refused:
        services.placements_recall(
            actor=aw.world.user("manager_liu"),
            placements=list(batch.placements.all()),
            note="Not mine to recall.",
        )
    assert refused.value.status == 403
    assert not batch.placements.filter(recalled_at__isnull=False).exists()
