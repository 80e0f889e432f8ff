"""Consents: the state at any moment, and withdrawal stopping what relied on it — through the
compliance gate (rule CN-PI-05), one decision and a planning batch alike."""

from __future__ import annotations

import pytest

from doorstep.compliance.proposals import ContactProposal, PlannedContact
from doorstep.compliance.selectors import decision_explanations
from doorstep.compliance.services import contact_decide, contact_decide_batch
from doorstep.core.errors import ConflictError, DomainError
from doorstep.privacy.models import ConsentEvent
from doorstep.privacy.selectors import consent_in_force, customer_consents
from doorstep.privacy.services import consent_give, consent_withdraw

from .conftest import at

WHEREABOUTS = "sensitive_whereabouts"

pytestmark = pytest.mark.usefixtures("notice")


def give(world, purpose: str = WHEREABOUTS, when=None):  # type: ignore[no-untyped-def]
    return consent_give(
        customer=world.debtor_zhang,
        purpose=purpose,
        channel="branch",
        evidence="signed form F-2026-001",
        actor=world.user("compliance_zhou"),
        at=when or at(2026, 3, 1),
    )


def withdraw(world, purpose: str = WHEREABOUTS, when=None):  # type: ignore[no-untyped-def]
    return consent_withdraw(
        customer=world.debtor_zhang,
        purpose=purpose,
        channel="call",
        evidence="recording R-889",
        actor=world.user("complaints_sun"),
        at=when or at(2026, 3, 5),
    )


def visit(world, when, **kwargs):  # type: ignore[no-untyped-def]
    return contact_decide(
        case=world.zhang_case,
        proposal=ContactProposal(channel="visit", at=when, staff_count=2, **kwargs),
        actor=world.user("agent_li"),
    )


def test_consent_is_in_force_between_its_giving_and_its_withdrawal(world) -> None:
    zhang = world.debtor_zhang.pk
    assert consent_in_force(zhang, WHEREABOUTS, at(2026, 3, 2)) is False

    give(world)
    withdraw(world)

    assert consent_in_force(zhang, WHEREABOUTS, at(2026, 2, 28)) is False
    assert consent_in_force(zhang, WHEREABOUTS, at(2026, 3, 1)) is True
    assert consent_in_force(zhang, WHEREABOUTS, at(2026, 3, 4, 23, 59)) is True
    assert consent_in_force(zhang, WHEREABOUTS, at(2026, 3, 5)) is False
    assert consent_in_force(zhang, WHEREABOUTS) is False
    assert consent_in_force(zhang, "transfer_to_buyer", at(2026, 3, 2)) is False


def test_a_purpose_resting_on_the_contract_is_not_a_consent_question(world) -> None:
    with pytest.raises(ValueError, match="does not rest on consent"):
        consent_in_force(world.debtor_zhang.pk, "collection")
    with pytest.raises(DomainError) as refused:
        give(world, purpose="collection")
    assert refused.value.fields == {"purpose": [refused.value.message]}


def test_consent_events_record_time_channel_evidence_and_who(world) -> None:
    give(world)
    withdraw(world)

    rows = list(
        ConsentEvent.objects.order_by("at").values_list(
            "action", "channel", "evidence", "recorded_by__username"
        )
    )
    assert rows == [
        ("given", "branch", "signed form F-2026-001", "compliance_zhou"),
        ("withdrawn", "call", "recording R-889", "complaints_sun"),
    ]
    summary = {item.purpose: item.in_force for item in customer_consents(world.debtor_zhang.pk)}
    assert summary == {WHEREABOUTS: False, "sensitive_financial": False, "transfer_to_buyer": False}


def test_withdrawing_what_is_not_in_force_and_giving_twice_are_refused(world) -> None:
    with pytest.raises(ConflictError) as nothing:
        withdraw(world)
    give(world)
    with pytest.raises(ConflictError) as twice:
        give(world, when=at(2026, 3, 2))
    assert (nothing.value.code, twice.value.code) == ("not_in_force", "already_given")


def test_an_agent_cannot_record_a_consent(world) -> None:
    with pytest.raises(DomainError) as refused:
        consent_give(
            customer=world.debtor_zhang,
            purpose=WHEREABOUTS,
            channel="visit",
            evidence="said so",
            actor=world.user("agent_li"),
            at=at(2026, 3, 1),
        )
    assert (refused.value.status, refused.value.code) == (403, "forbidden")


def test_a_contact_relying_on_a_withdrawn_consent_is_blocked_by_the_gate_with_cn_pi_05(
    world,
) -> None:
    give(world)
    withdraw(world)

    before = visit(world, at(2026, 3, 3), relies_on=(WHEREABOUTS,))
    after = visit(world, at(2026, 3, 6), relies_on=(WHEREABOUTS,))

    assert (before.verdict, before.rules) == ("allow", [])
    assert (after.verdict, after.rules) == ("block", ["CN-PI-05"])
    assert after.fired[0]["facts"] == {"purposes": [WHEREABOUTS], "reason": "withdrawn"}
    text = decision_explanations(after, "en")[0].text
    assert text.startswith("The debtor withdrew consent to using whereabouts (location) data")


def test_withdrawal_does_not_stop_collection_resting_on_the_contract(world) -> None:
    give(world)
    withdraw(world)

    plain = visit(world, at(2026, 3, 6))

    assert (plain.verdict, plain.rules) == ("allow", [])


def test_a_contact_relying_on_a_consent_never_given_is_blocked(world) -> None:
    decision = visit(world, at(2026, 3, 6), relies_on=("sensitive_financial",))

    assert (decision.verdict, decision.rules) == ("block", ["CN-PI-05"])
    assert decision.fired[0]["facts"]["reason"] == "not_given"


def test_an_unknown_purpose_is_refused_naming_the_field(world) -> None:
    with pytest.raises(DomainError) as refused:
        visit(world, at(2026, 3, 6), relies_on=("gossip",))
    assert list(refused.value.fields) == ["relies_on"]


def test_the_planning_batch_blocks_the_same_contact_with_the_same_rule(world) -> None:
    give(world)
    withdraw(world)
    items = [
        PlannedContact(
            case_id=world.zhang_case.pk,
            proposal=ContactProposal(
                channel="visit", at=when, staff_count=2, relies_on=(WHEREABOUTS,)
            ),
        )
        for when in (at(2026, 3, 3), at(2026, 3, 6))
    ]

    rows = contact_decide_batch(items=items, actor=world.user("manager_wang"), record=False)

    assert [(row.verdict, row.rules) for row in rows] == [("allow", []), ("block", ["CN-PI-05"])]


def test_a_consent_records_the_notice_in_force_when_it_was_given(world, notice) -> None:
    assert give(world).notice == notice
