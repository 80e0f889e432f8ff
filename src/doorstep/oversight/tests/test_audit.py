"""Internal audit through its services: a reproducible, ledgered draw of completed work,
reviews against the checklist, findings, and remediation tracked to closure."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from doorstep.cases.services import case_add_entry
from doorstep.compliance.services import contact_record
from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.audit import services
from doorstep.oversight.audit.checklist import CHECKLIST
from doorstep.oversight.audit.selectors import (
    campaign_report,
    campaign_reproduces,
    remediation_visible,
)
from doorstep.oversight.complaints.lifecycle import LOCAL
from doorstep.oversight.complaints.services import complaint_link, complaint_submit
from doorstep.oversight.models import AuditCampaign, AuditItem, Remediation

pytestmark = pytest.mark.django_db

SEED = bytes.fromhex("ab" * 32)
ALL_PASS = dict.fromkeys(CHECKLIST, "pass")


@pytest.fixture
def notes(world) -> None:  # type: ignore[no-untyped-def]
    """Twelve notes on zhang's case (XH) by agent_li and six on huang's (BJ) by manager_liu."""
    for n in range(12):
        case_add_entry(
            case=world.zhang_case, author=world.user("agent_li"), kind="note", body=f"电话 {n}"
        )
    for n in range(6):
        case_add_entry(
            case=world.huang_case, author=world.user("manager_liu"), kind="note", body=f"记录 {n}"
        )


def draw(world: Any, **kwargs: Any) -> AuditCampaign:
    today = timezone.localdate()
    arguments = {
        "actor": world.user("auditor_chen"),
        "name": "2026 Q4 case notes",
        "population_kind": "entries",
        "period_start": today - timedelta(days=30),
        "period_end": today,
        "method": "simple",
        "size": 6,
        "seed": SEED,
    }
    return services.audit_campaign_draw(**{**arguments, **kwargs})


def test_a_draw_is_reproducible_from_its_seed_and_snapshot(world, notes) -> None:
    campaign = draw(world)
    assert campaign.population_size == 18
    assert campaign.items.count() == 6
    assert campaign_reproduces(campaign)
    again = draw(world, name="again")
    assert list(again.items.values_list("record_id", flat=True)) == list(
        campaign.items.values_list("record_id", flat=True)
    )


def test_a_tampered_sample_no_longer_reproduces(world, notes) -> None:
    campaign = draw(world)
    item = campaign.items.order_by("position").first()
    AuditItem.objects.filter(pk=item.pk).delete()
    assert not campaign_reproduces(campaign)


def test_the_draw_is_ledgered_with_seed_and_hashes(world, notes) -> None:
    campaign = draw(world)
    entry = LedgerEntry.objects.get(kind="audit.sample_drawn")
    for value in (campaign.seed, campaign.population_hash, campaign.sample_hash):
        assert value in entry.data


def test_stratified_by_branch_gives_exact_counts(world, notes) -> None:
    campaign = draw(world, method="stratified", strata_by="branch", size=9)
    assert Counter(campaign.items.values_list("stratum", flat=True)) == {"XH": 6, "BJ": 3}
    assert set(campaign.items.filter(stratum="XH").values_list("branch", flat=True)) == {
        world.xh.pk
    }


def test_stratified_needs_strata(world, notes) -> None:
    with pytest.raises(DomainError) as refused:
        draw(world, method="stratified")
    assert refused.value.field == "strata_by"


def test_records_of_complained_cases_weigh_more(world, notes) -> None:
    complaint = complaint_submit(
        category="harassment", name="黄丽", phone="13787654321", email="", description="..."
    ).complaint
    complaint_link(complaint=complaint, actor=world.user("complaints_sun"), case=world.huang_case)
    campaign = draw(world, method="weighted", size=18)
    weights = dict(campaign.items.values_list("case_reference", "weight").distinct())
    assert weights == {world.zhang_case.reference: 1.0, world.huang_case.reference: 4.0}


def test_contacts_are_a_population_with_the_agent_and_branch_of_the_case(world) -> None:
    today = timezone.localdate()
    for hour in (10, 11, 12):
        contact_record(
            case=world.zhang_case,
            channel="call",
            at=datetime(today.year, today.month, today.day, hour, tzinfo=LOCAL) - timedelta(days=1),
            outcome="no_answer",
            actor=world.user("agent_li"),
        )
    campaign = draw(world, population_kind="contacts", size=2)
    assert campaign.population_size == 3
    item = campaign.items.first()
    assert (item.branch, item.agent) == (world.xh, world.agent_li)


def test_an_empty_population_is_refused(world) -> None:
    with pytest.raises(DomainError) as refused:
        draw(world, population_kind="visits")
    assert refused.value.code == "empty_population"
    assert AuditCampaign.objects.count() == 0


def test_only_auditors_draw(world, notes) -> None:
    with pytest.raises(services.AuditRefused):
        draw(world, actor=world.user("compliance_zhou"))


def test_a_period_ending_in_the_future_is_refused(world, notes) -> None:
    with pytest.raises(DomainError) as refused:
        draw(world, period_end=timezone.localdate() + timedelta(days=1))
    assert refused.value.field == "period_end"


def test_a_review_answers_every_item_and_a_failure_needs_a_note(world, notes) -> None:
    item = draw(world).items.first()
    chen = world.user("auditor_chen")
    with pytest.raises(DomainError) as refused:
        services.audit_item_review(item=item, actor=chen, results={"identity_stated": "pass"})
    assert refused.value.code == "invalid_checklist"
    failing = {**ALL_PASS, "no_prohibited_wording": "fail"}
    with pytest.raises(DomainError) as refused:
        services.audit_item_review(item=item, actor=chen, results=failing)
    assert refused.value.field == "note"
    item = services.audit_item_review(item=item, actor=chen, results=failing, note="威胁用语")
    assert item.status == "reviewed"


def test_remediation_is_done_by_its_owner_and_verified_by_an_auditor(world, notes) -> None:
    campaign = draw(world)
    chen = world.user("auditor_chen")
    item = campaign.items.filter(stratum="").order_by("position").first()
    finding = services.audit_finding_add(
        item=item,
        actor=chen,
        severity="high",
        description="未说明来意",
        checklist_item="purpose_stated",
    )
    action = services.remediation_assign(
        finding=finding,
        actor=chen,
        owner=world.manager_wang,
        action="全组复训开场话术",
        due_on=timezone.localdate() + timedelta(days=14),
    )
    with pytest.raises(services.AuditRefused):
        services.remediation_done(remediation=action, actor=world.user("agent_zhao"), note="x")
    action = services.remediation_done(
        remediation=action, actor=world.user("manager_wang"), note="已复训"
    )
    reopened = services.remediation_verify(
        remediation=action, actor=chen, accept=False, note="缺签到表"
    )
    assert reopened.status == "open"
    services.remediation_done(remediation=action, actor=world.user("manager_wang"), note="补签到表")
    verified = services.remediation_verify(remediation=action, actor=chen, accept=True, note="")
    assert verified.status == "verified"
    kinds = list(
        LedgerEntry.objects.filter(kind__startswith="audit.remediation").values_list(
            "kind", flat=True
        )
    )
    assert kinds == [
        "audit.remediation_assigned",
        "audit.remediation_done",
        "audit.remediation_reopened",
        "audit.remediation_done",
        "audit.remediation_verified",
    ]


def test_managers_see_the_remediation_of_their_branch_only(world, notes) -> None:
    campaign = draw(world, size=18)
    chen = world.user("auditor_chen")
    for item in campaign.items.all():
        finding = services.audit_finding_add(item=item, actor=chen, severity="low", description="x")
        services.remediation_assign(
            finding=finding,
            actor=chen,
            owner=world.admin,
            action="y",
            due_on=timezone.localdate(),
        )
    assert remediation_visible(user=world.user("manager_wang")).count() == 12
    assert remediation_visible(user=world.user("manager_liu")).count() == 6
    assert remediation_visible(user=world.user("agent_li")).count() == 0


def test_a_campaign_closes_only_when_every_record_is_reviewed(world, notes) -> None:
    campaign = draw(world, size=2)
    chen = world.user("auditor_chen")
    first, second = campaign.items.order_by("position")
    services.audit_item_review(item=first, actor=chen, results=ALL_PASS)
    with pytest.raises(DomainError) as refused:
        services.audit_campaign_close(campaign=campaign, actor=chen)
    assert refused.value.code == "items_pending"
    services.audit_item_review(
        item=second, actor=chen, results={**ALL_PASS, "team_of_two": "fail"}, note="单人外访"
    )
    campaign = services.audit_campaign_close(campaign=campaign, actor=chen)
    report = campaign_report(campaign, today=timezone.localdate())
    assert (report.items, report.reviewed, report.failures) == (2, 2, [("team_of_two", 1)])
    with pytest.raises(DomainError):
        services.audit_item_review(item=first, actor=chen, results=ALL_PASS)
    assert Remediation.objects.count() == 0


def test_completed_visits_weigh_by_short_stay_gps_mismatch_and_flags(world) -> None:
    from doorstep.visits.models import Visit  # the visits app's own model, as test data

    done = timezone.now() - timedelta(days=1)
    address = world.debtor_zhang.addresses.first()

    def visit(minutes: int, distance: int, flags: list[str], status: str = "completed") -> int:
        return Visit.objects.create(
            case=world.zhang_case,
            address=address,
            branch=world.xh,
            status=status,
            lead_agent=world.agent_li,
            outcome="met_debtor",
            checked_in_at=done - timedelta(minutes=minutes),
            completed_at=done,
            checkin_distance_m=distance,
            flagged_rules=flags,
        ).pk

    plain = visit(40, 20, [])
    short = visit(5, 20, [])
    far_flagged = visit(40, 900, ["CN-TEAM-01"])
    visit(40, 20, [], status="aborted")
    campaign = draw(world, population_kind="visits", method="weighted", size=3)
    weights = dict(campaign.items.values_list("record_id", "weight"))
    assert weights == {plain: 1.0, short: 3.0, far_flagged: 5.0}
    assert set(campaign.items.values_list("agent", flat=True)) == {world.agent_li.pk}
