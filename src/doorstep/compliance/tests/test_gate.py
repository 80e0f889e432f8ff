"""The gate on the database: facts read from what is on file, decisions stored with their
version, the batch path equal to single decisions, overrides only through an approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.cases.services import case_open
from doorstep.compliance import services
from doorstep.compliance.models import Decision
from doorstep.compliance.proposals import ContactProposal, PlannedContact
from doorstep.compliance.tests.conftest import at
from doorstep.core.errors import DomainError
from doorstep.core.testing import AS_OF, make_account, make_customer
from doorstep.oversight.services import approval_decide
from doorstep.portfolio.models import Address

pytestmark = pytest.mark.django_db

WORKDAY = at(2026, 7, 6)  # a Monday, 10:00


def refusal(call) -> DomainError:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value


# --- One decision -----------------------------------------------------------------------------


def test_a_decision_is_stored_with_its_version_and_each_rule_with_its_parameters(
    world, decide
) -> None:
    decision = decide("visit", WORKDAY, staff_count=1)
    stored = Decision.objects.get()
    assert (stored.pk, stored.verdict, stored.rules) == (decision.pk, "block", ["CN-TEAM-01"])
    assert (stored.profile, stored.version.label, stored.version.number) == ("cn", "cn-1", 1)
    assert stored.fired == [
        {
            "rule": "CN-TEAM-01",
            "verdict": "block",
            "params": {"min_visit_staff": 2},
            "facts": {"staff_count": 1},
        }
    ]
    assert (stored.case_id, stored.customer_id, stored.branch_id) == (
        world.zhang_case.pk,
        world.debtor_zhang.pk,
        world.xh.pk,
    )
    assert (stored.requested_by, stored.agent) == (world.user("agent_li"), world.agent_li)


def test_an_allowed_contact_fires_nothing(world, decide) -> None:
    decision = decide("visit", WORKDAY)
    assert (decision.verdict, decision.rules, decision.fired) == ("allow", [], [])
    assert services.contact_allowed(decision)


def test_a_preview_is_decided_but_not_stored(world, decide) -> None:
    decision = decide("visit", at(2026, 10, 1), record=False)
    assert (decision.pk, decision.verdict, decision.rules) == (None, "block", ["CN-HOL-01"])
    assert not Decision.objects.exists()


def test_a_time_without_its_offset_is_refused_naming_the_field(world, decide) -> None:
    error = refusal(lambda: decide("call", WORKDAY.replace(tzinfo=None)))
    assert (error.code, error.field) == ("naive_time", "at")
    assert not Decision.objects.exists()


def test_an_account_of_another_case_is_refused(world, decide) -> None:
    other = world.huang_case.accounts.get()
    error = refusal(lambda: decide("call", WORKDAY, account_id=other.pk))
    assert (error.code, error.field) == ("account_not_in_case", "account_id")


def test_the_debtors_time_zone_comes_from_the_primary_address(world, decide) -> None:
    Address.objects.filter(customer=world.debtor_zhang).update(timezone="Asia/Urumqi")
    decision = decide("call", at(2026, 7, 6, 9, 30))  # 07:30 in Urumqi
    assert (decision.verdict, decision.rules) == ("block", ["CN-TIME-01"])
    assert decision.fired[0]["facts"]["local_time"] == "07:30"


# --- Facts on file ----------------------------------------------------------------------------


def test_a_hold_blocks_contact_while_it_lasts(world, decide) -> None:
    hold = services.hold_add(
        customer=world.debtor_zhang,
        kind="cease_contact",
        reason="Asked us to stop calling.",
        actor=world.user("agent_li"),
        starts_at=at(2026, 7, 1),
    )
    before = decide("call", at(2026, 6, 30))
    during = decide("call", WORKDAY)
    services.hold_release(hold=hold, actor=world.user("compliance_zhou"), reason="Resolved.")
    after = decide("call", at(2030, 1, 7))
    assert [d.verdict for d in (before, during, after)] == ["allow", "block", "allow"]
    assert during.rules == ["CN-HOLD-01"]
    assert during.fired[0]["facts"] == {"holds": ["cease_contact"]}


def test_a_hold_lets_through_the_channels_it_allows(world, decide) -> None:
    services.hold_add(
        customer=world.debtor_zhang,
        kind="hardship",
        reason="Lost job.",
        actor=world.user("manager_wang"),
        starts_at=at(2026, 7, 1),
        allowed_channels=["letter"],
    )
    assert decide("letter", WORKDAY).verdict == "allow"
    assert decide("visit", WORKDAY).rules == ["CN-HOLD-01"]


def test_a_dispute_stops_collection(world, decide) -> None:
    services.hold_add(
        customer=world.debtor_zhang,
        kind="dispute",
        reason="Disputes the fee.",
        actor=world.user("agent_li"),
        starts_at=at(2026, 7, 1),
    )
    assert decide("sms", WORKDAY).rules == ["CN-DISP-01"]


def test_the_gate_counts_visits_on_file_and_the_third_in_seven_days_blocks(
    world, decide, contact
) -> None:
    contact("visit", at(2026, 6, 28), "not_home", staff_count=2)  # 8 days before: not counted
    contact("visit", at(2026, 7, 1), "not_home", staff_count=2)
    assert decide("visit", WORKDAY).verdict == "allow"
    contact("visit", at(2026, 7, 3), "not_home", staff_count=2)
    third = decide("visit", WORKDAY)
    assert (third.verdict, third.rules) == ("block", ["CN-FREQ-02"])
    assert third.fired[0]["facts"] == {
        "from": "2026-06-30",
        "to": "2026-07-06",
        "earlier_visits": 2,
    }


def test_the_seventh_call_attempt_of_a_day_blocks(world, decide, contact) -> None:
    for hour in range(9, 15):
        contact("call", at(2026, 7, 6, hour), "no_answer", connected=False)
    assert decide("call", at(2026, 7, 6, 16)).rules == ["CN-FREQ-01"]
    assert decide("call", at(2026, 7, 7, 9)).verdict == "allow"


def test_under_the_us_profile_opt_outs_and_attorneys_block(world, decide, settings) -> None:
    settings.COMPLIANCE_PROFILE = "us"
    services.opt_out_record(
        customer=world.debtor_zhang, channel="sms", actor=world.user("agent_li"), at=at(2026, 7, 1)
    )
    services.representation_record(
        customer=world.debtor_zhang,
        attorney_name="王律师",
        attorney_contact="Law firm, 0571-1234",
        starts_on=WORKDAY.date(),
        actor=world.user("legal_qian"),
    )
    sms = decide("sms", at(2026, 7, 6, 20))  # 20:00 at his address in Shanghai: inside hours
    attorney = decide("call", at(2026, 7, 6, 10), target="debtor")
    to_attorney = decide("call", at(2026, 7, 6, 10), target="attorney")
    assert (sms.profile, sms.version.label) == ("us", "us-1")
    assert "US-MEDIA-01" in sms.rules
    assert attorney.rules == ["US-ATTY-01"]
    assert to_attorney.verdict == "allow"


# --- The batch path ---------------------------------------------------------------------------


def _more_cases(world, count: int) -> list:  # type: ignore[no-untyped-def]
    cases = []
    for n in range(count):
        customer = make_customer(f"客户{n}", national_id=f"33010619900101{n:04d}")
        account = make_account(customer, world.xh, dues=[(AS_OF - timedelta(days=40), "500.00")])
        cases.append(case_open(customer=customer, accounts=[account], as_of=AS_OF))
    return cases


def _proposals(cases: list, count: int) -> list[PlannedContact]:  # type: ignore[type-arg]
    channels = ["visit", "call", "sms", "visit", "letter"]
    times = [WORKDAY, at(2026, 10, 1), at(2026, 7, 6, 7), at(2027, 3, 1), at(2026, 7, 11)]
    return [
        PlannedContact(
            case_id=cases[n % len(cases)].pk,
            proposal=ContactProposal(
                channel=channels[n % 5],
                at=times[(n // 5) % 5] + timedelta(minutes=n),
                staff_count=1 if n % 7 == 0 else 2,
            ),
        )
        for n in range(count)
    ]


def test_a_batch_decides_exactly_as_single_decisions(world, decide, contact) -> None:
    cases = [world.zhang_case, world.huang_case, *_more_cases(world, 3)]
    services.hold_add(
        customer=cases[2].customer,
        kind="complaint",
        reason="Complained.",
        actor=world.user("complaints_sun"),
        starts_at=at(2026, 7, 1),
        ends_at=at(2026, 9, 1),
    )
    for day in (1, 3):
        contact("visit", at(2026, 7, day), "not_home", staff_count=2)
    items = _proposals(cases, 40)
    batch = services.contact_decide_batch(items=items, actor=world.user("manager_wang"))
    single = [
        services.contact_decide(
            case=next(c for c in cases if c.pk == item.case_id),
            proposal=item.proposal,
            actor=world.user("manager_wang"),
            record=False,
        )
        for item in items
    ]
    assert [(d.verdict, d.rules, d.fired) for d in batch] == [
        (d.verdict, d.rules, d.fired) for d in single
    ]
    assert {d.verdict for d in batch} == {"allow", "block", "needs_approval"}
    assert Decision.objects.filter(pk__isnull=False).count() == 40


def test_a_batch_costs_the_same_queries_however_many_proposals(world) -> None:
    cases = [world.zhang_case, world.huang_case, *_more_cases(world, 8)]
    services.contact_decide_batch(items=_proposals(cases, 2), actor=None)  # stores version 1

    def queries(count: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            services.contact_decide_batch(items=_proposals(cases, count), actor=None)
        return len(captured)

    # Under SQLite's parameter limit a bulk insert of 40 decisions is still one statement. The
    # ledger append reads its left-edge leaf only when the log's size is odd: one query at most.
    assert abs(queries(3) - queries(40)) <= 1


def test_a_bad_item_refuses_the_whole_run_naming_it(world) -> None:
    items = [
        PlannedContact(world.zhang_case.pk, ContactProposal("visit", WORKDAY)),
        PlannedContact(world.zhang_case.pk, ContactProposal("fax", WORKDAY)),
    ]
    error = refusal(lambda: services.contact_decide_batch(items=items, actor=None))
    assert (error.code, error.field) == ("invalid_choice", "items[1].channel")
    assert not Decision.objects.exists()


# --- Overrides --------------------------------------------------------------------------------


def test_a_block_is_overridden_only_through_an_approval_by_someone_else(world, decide) -> None:
    blocked = decide("visit", at(2026, 10, 1))
    assert not services.contact_allowed(blocked)
    request = services.decision_override_request(
        decision=blocked, requested_by=world.user("agent_li"), reason="Debtor asked for today."
    )
    assert (request.kind, request.subject_id, request.routes[0]["roles"]) == (
        "compliance.override",
        blocked.pk,
        ["compliance_officer"],
    )
    own = refusal(
        lambda: approval_decide(
            request=request, approver=world.user("agent_li"), approve=True, reason="mine"
        )
    )
    blocked.refresh_from_db()
    assert (own.code, blocked.overridden_by_id, services.contact_allowed(blocked)) == (
        "own_request",
        None,
        False,
    )
    approval_decide(
        request=request, approver=world.user("compliance_zhou"), approve=True, reason="Agreed."
    )
    blocked.refresh_from_db()
    assert (blocked.overridden_by_id, services.contact_allowed(blocked)) == (request.pk, True)


def test_a_compliance_officer_cannot_approve_her_own_override(world, decide) -> None:
    blocked = decide("visit", at(2026, 10, 1))
    request = services.decision_override_request(
        decision=blocked, requested_by=world.user("compliance_zhou"), reason="Urgent."
    )
    error = refusal(
        lambda: approval_decide(
            request=request, approver=world.user("compliance_zhou"), approve=True, reason="ok"
        )
    )
    assert error.code == "own_request"


def test_a_rejected_override_leaves_the_block(world, decide) -> None:
    blocked = decide("visit", at(2026, 10, 1))
    request = services.decision_override_request(
        decision=blocked, requested_by=world.user("agent_li"), reason="Please."
    )
    approval_decide(
        request=request, approver=world.user("compliance_zhou"), approve=False, reason="No."
    )
    blocked.refresh_from_db()
    assert (blocked.overridden_by_id, services.contact_allowed(blocked)) == (None, False)


def test_only_a_stopped_decision_is_overridden_and_only_once_at_a_time(world, decide) -> None:
    allowed = decide("visit", WORKDAY)
    blocked = decide("visit", at(2026, 10, 1))
    services.decision_override_request(
        decision=blocked, requested_by=world.user("agent_li"), reason="Please."
    )
    not_stopped = refusal(
        lambda: services.decision_override_request(
            decision=allowed, requested_by=world.user("agent_li"), reason="x"
        )
    )
    twice = refusal(
        lambda: services.decision_override_request(
            decision=blocked, requested_by=world.user("manager_wang"), reason="y"
        )
    )
    assert (not_stopped.code, twice.code, twice.status) == (
        "not_overridable",
        "override_pending",
        409,
    )
