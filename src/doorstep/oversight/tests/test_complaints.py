"""Complaints through their services: intake, clocks, the hold on contact, a second person's
verification, escalation, and what the ledger keeps."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from doorstep.compliance.models import Hold
from doorstep.compliance.proposals import ContactProposal
from doorstep.compliance.services import contact_decide
from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.complaints import services
from doorstep.oversight.complaints.lifecycle import LOCAL
from doorstep.oversight.complaints.selectors import (
    complaint_public_status,
    complaint_stats,
    complaint_visible,
)
from doorstep.oversight.models import ApprovalRequest, Complaint, ComplaintEvent
from doorstep.oversight.services import approval_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(world) -> services.Filed:  # type: ignore[no-untyped-def]
    return services.complaint_submit(
        category="harassment",
        name="张伟",
        phone="13912345678",
        email="",
        description="上门人员晚上十点还来敲门。",
    )


def handled(world: Any, complaint: Complaint) -> Complaint:
    """complaints_sun acknowledges, starts, and links the complaint to zhang's case."""
    sun = world.user("complaints_sun")
    complaint = services.complaint_acknowledge(complaint=complaint, actor=sun, start=True)
    return services.complaint_link(complaint=complaint, actor=sun, case=world.zhang_case)


def resolved(world: Any, complaint: Complaint, by: str = "complaints_sun") -> Complaint:
    return services.complaint_resolve(
        complaint=complaint,
        actor=world.user(by),
        outcome="upheld",
        remedy="书面道歉，调整外访时间。",
        root_cause="agent_conduct",
        accountability="外访员李某停岗培训一周。",
    )


def call_tomorrow(world: Any) -> Any:
    tomorrow = timezone.localtime(timezone.now()).date() + timedelta(days=1)
    when = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 10, tzinfo=LOCAL)
    return contact_decide(
        case=world.zhang_case,
        proposal=ContactProposal(channel="call", at=when),
        actor=world.user("agent_li"),
    )


def test_a_public_complaint_gets_a_reference_code_and_clocks(filed) -> None:
    complaint = filed.complaint
    assert complaint.reference.startswith("TS")
    assert len(filed.access_code) == 8
    assert complaint.access_code != filed.access_code
    assert complaint.status == "received"
    assert complaint.channel == "web"
    assert complaint.ack_due_at > complaint.received_at
    assert complaint.decision_due_at - complaint.received_at <= timedelta(days=16)
    assert list(complaint.events.values_list("action", flat=True)) == ["received"]


def test_the_complainant_sees_the_status_only_with_the_right_code(filed) -> None:
    reference = filed.complaint.reference
    assert complaint_public_status(reference=reference.lower(), code=filed.access_code) is not None
    assert complaint_public_status(reference=reference, code="00000000") is None
    assert complaint_public_status(reference="TS000000-XXXXXX", code=filed.access_code) is None


def test_a_complaint_needs_a_way_to_reply(world) -> None:
    with pytest.raises(DomainError) as refused:
        services.complaint_submit(
            category="harassment", name="张伟", phone="", email="", description="..."
        )
    assert (refused.value.code, refused.value.field) == ("contact_required", "phone")
    assert Complaint.objects.count() == 0


def test_an_unknown_category_is_refused_naming_the_field(world) -> None:
    with pytest.raises(DomainError) as refused:
        services.complaint_submit(
            category="rudeness", name="张伟", phone="139", email="", description="..."
        )
    assert refused.value.field == "category"


def test_staff_take_in_a_letter_with_its_arrival_time(world) -> None:
    arrived = timezone.now() - timedelta(days=2)
    filed = services.complaint_intake(
        actor=world.user("agent_zhao"),
        channel="letter",
        category="third_party",
        name="黄丽",
        phone="13787654321",
        email="",
        description="催收员给我单位打电话。",
        received_at=arrived,
    )
    assert filed.complaint.received_at == arrived
    assert filed.complaint.received_by == world.user("agent_zhao")
    assert filed.complaint.decision_due_at.astimezone(LOCAL).date() == (
        arrived.astimezone(LOCAL).date() + timedelta(days=11)
    )


def test_an_auditor_cannot_take_in_complaints(world) -> None:
    with pytest.raises(services.ComplaintRefused):
        services.complaint_intake(
            actor=world.user("auditor_chen"),
            channel="phone",
            category="other",
            name="x",
            phone="139",
            email="",
            description="...",
        )


def test_linking_puts_the_complaint_hold_on_the_customer_and_the_agent_on_file(
    world, filed
) -> None:
    complaint = handled(world, filed.complaint)
    assert complaint.customer == world.debtor_zhang
    assert complaint.branch == world.xh
    assert complaint.agent == world.agent_li
    hold = Hold.objects.get(customer=world.debtor_zhang)
    assert (hold.kind, hold.released_at) == ("complaint", None)
    assert complaint.hold == hold
    assert world.zhang_case.participants.filter(staff=world.complaints_sun).exists()


def test_the_hold_blocks_contact_until_the_complaint_is_closed(world, filed) -> None:
    assert "CN-HOLD-01" not in call_tomorrow(world).rules
    complaint = handled(world, filed.complaint)
    blocked = call_tomorrow(world)
    assert (blocked.verdict, "CN-HOLD-01" in blocked.rules) == ("block", True)
    complaint = resolved(world, complaint)
    assert "CN-HOLD-01" in call_tomorrow(world).rules  # an outcome alone does not lift it
    services.complaint_verify(
        complaint=complaint, actor=world.user("compliance_zhou"), accept=True, note="核实录音。"
    )
    assert "CN-HOLD-01" not in call_tomorrow(world).rules


def test_the_person_who_recorded_the_outcome_cannot_verify_it(world, filed) -> None:
    complaint = resolved(world, handled(world, filed.complaint))
    with pytest.raises(services.ComplaintRefused) as refused:
        services.complaint_verify(
            complaint=complaint, actor=world.user("complaints_sun"), accept=True, note="ok"
        )
    assert refused.value.code == "same_person"
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    assert complaint.hold.released_at is None


def test_a_verifier_who_disagrees_sends_it_back_to_investigation(world, filed) -> None:
    complaint = resolved(world, handled(world, filed.complaint))
    complaint = services.complaint_verify(
        complaint=complaint, actor=world.user("admin"), accept=False, note="补充录音证据。"
    )
    assert complaint.status == "investigating"
    assert complaint.outcome_by is None
    complaint = resolved(world, complaint, by="admin")
    with pytest.raises(services.ComplaintRefused):
        services.complaint_verify(
            complaint=complaint, actor=world.user("admin"), accept=True, note="ok"
        )


def test_resolving_upheld_needs_an_accountability_action(world, filed) -> None:
    complaint = handled(world, filed.complaint)
    with pytest.raises(DomainError) as refused:
        services.complaint_resolve(
            complaint=complaint,
            actor=world.user("complaints_sun"),
            outcome="upheld",
            remedy="道歉",
            root_cause="agent_conduct",
        )
    assert refused.value.field == "accountability"
    complaint.refresh_from_db()
    assert complaint.status == "investigating"


def test_a_manager_cannot_handle_complaints(world, filed) -> None:
    with pytest.raises(services.ComplaintRefused):
        services.complaint_acknowledge(complaint=filed.complaint, actor=world.user("manager_wang"))
    filed.complaint.refresh_from_db()
    assert filed.complaint.status == "received"


def test_evidence_must_be_a_ledger_entry_of_the_linked_case(world, filed) -> None:
    complaint = handled(world, filed.complaint)
    sun = world.user("complaints_sun")
    case_entry = LedgerEntry.objects.filter(subjects__value=world.zhang_case.reference).first()
    other = LedgerEntry.objects.filter(subjects__value=world.huang_case.reference).first()
    evidence = services.complaint_add_evidence(
        complaint=complaint, actor=sun, ledger_index=case_entry.index
    )
    assert evidence.leaf_hash == bytes(case_entry.leaf_hash).hex()
    with pytest.raises(DomainError) as refused:
        services.complaint_add_evidence(complaint=complaint, actor=sun, ledger_index=other.index)
    assert refused.value.code == "not_in_case"


def test_extensions_go_complex_then_head_office_with_approval(world, filed) -> None:
    complaint = handled(world, filed.complaint)
    sun = world.user("complaints_sun")
    received = complaint.received_at.astimezone(LOCAL).date()
    complaint = services.complaint_extend(
        complaint=complaint, actor=sun, extension="complex", reason="需调取多次外访记录。"
    )
    assert complaint.decision_due_at.astimezone(LOCAL).date() == received + timedelta(days=31)
    request = services.complaint_extend(
        complaint=complaint, actor=sun, extension="head_office", reason="涉及外包机构。"
    )
    assert isinstance(request, ApprovalRequest)
    complaint.refresh_from_db()
    assert complaint.extension == "complex"
    approval_decide(request=request, approver=world.user("admin"), approve=True, reason="同意")
    complaint.refresh_from_db()
    assert complaint.extension == "head_office"
    assert complaint.decision_due_at.astimezone(LOCAL).date() == received + timedelta(days=61)


def test_a_complaint_cannot_skip_the_complexity_extension(world, filed) -> None:
    with pytest.raises(DomainError) as refused:
        services.complaint_extend(
            complaint=filed.complaint,
            actor=world.user("complaints_sun"),
            extension="head_office",
            reason="...",
        )
    assert refused.value.code == "extension_order"


def test_escalation_marks_each_clock_once(world, filed) -> None:
    complaint = filed.complaint
    assert services.complaints_escalate(now=complaint.ack_due_at - timedelta(seconds=1)) == []
    assert services.complaints_escalate(now=complaint.ack_due_at) == [complaint.reference]
    assert services.complaints_escalate(now=complaint.ack_due_at) == []
    later = complaint.decision_due_at + timedelta(minutes=1)
    assert services.complaints_escalate(now=later) == [complaint.reference]
    complaint.refresh_from_db()
    assert complaint.escalations == ["acknowledgement", "decision"]
    events = ComplaintEvent.objects.filter(complaint=complaint, action="escalated")
    assert [event.details["clocks"] for event in events] == [["acknowledgement"], ["decision"]]


def test_the_ledger_keeps_no_words_or_contact_details_of_the_complainant(world, filed) -> None:
    handled(world, filed.complaint)
    entries = LedgerEntry.objects.filter(kind__startswith="complaint.")
    assert [entry.kind for entry in entries] == [
        "complaint.received",
        "complaint.investigating",
        "complaint.linked",
    ]
    text = "".join(entry.data for entry in entries)
    for secret in ("张伟", "13912345678", "敲门"):
        assert secret not in text


def test_branch_managers_see_only_their_branch_and_agents_nothing(world, filed) -> None:
    handled(world, filed.complaint)
    assert complaint_visible(user=world.user("manager_wang")).count() == 1
    assert complaint_visible(user=world.user("manager_liu")).count() == 0
    assert complaint_visible(user=world.user("agent_li")).count() == 0
    assert complaint_visible(user=world.user("auditor_chen")).count() == 1


def test_statistics_count_by_category_root_cause_branch_and_agent(world, filed) -> None:
    resolved(world, handled(world, filed.complaint))
    services.complaint_submit(
        category="privacy", name="王", phone="13000000000", email="", description="..."
    )
    stats = complaint_stats(user=world.user("compliance_zhou"))
    assert (stats.total, stats.open) == (2, 2)
    assert dict(stats.by_category) == {"harassment": 1, "privacy": 1}
    assert stats.by_root_cause == [("agent_conduct", 1)]
    assert dict(stats.by_branch) == {"XH": 1, "—": 1}
    assert stats.by_agent == [(world.agent_li.employee_number, 1)]
    assert stats.on_time_rate == 1.0
