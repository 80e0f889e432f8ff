"""Phone queues: what they offer and in which order, the next call through the gate, and the
wrap-up with everything that follows from its outcome."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from doorstep.cases.services import case_assign
from doorstep.compliance.models import ContactEvent, Decision, Hold
from doorstep.compliance.proposals import ContactProposal
from doorstep.compliance.services import contact_allowed, contact_decide, hold_add
from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.plans.models import Promise
from doorstep.portfolio.models import Phone
from doorstep.remote import services, worklist
from doorstep.remote.channels import dialer
from doorstep.remote.models import Call, FollowUp
from doorstep.remote.selectors import queue
from doorstep.remote.tests.conftest import CALL_DAY, at
from doorstep.remote.tests.factories import late_cases
from doorstep.scoring.tests.factories import stored_score

pytestmark = pytest.mark.django_db
TEN = at(CALL_DAY, 10)


@pytest.fixture
def zhao_cases(world):  # type: ignore[no-untyped-def]
    """Four cases worked by agent_zhao: M2 3,000 ×2, M5 1,000, M1 5,000."""
    manager = world.user("manager_wang")
    cases = [
        *late_cases(world.xh, 2, prefix="A"),
        *late_cases(world.xh, 1, bucket="M5", past_due="1000.00", prefix="B"),
        *late_cases(world.xh, 1, bucket="M1", past_due="5000.00", prefix="C"),
    ]
    for case in cases:
        case_assign(case=case, agent=world.agent_zhao, actor=manager)
    return cases


def ids(items) -> list[int]:  # type: ignore[no-untyped-def]
    return [item.case.pk for item in items]


def test_the_fallback_order_is_bucket_times_amount() -> None:
    candidates = [
        worklist.Candidate(1, "M1", Decimal("5000")),  # 5,000
        worklist.Candidate(2, "M5", Decimal("1000")),  # 5,000
        worklist.Candidate(3, "M2", Decimal("3000")),  # 6,000
        worklist.Candidate(4, "M1", Decimal("100"), priority=7),
        worklist.Candidate(5, "M1", Decimal("100"), due_since=TEN),
    ]
    assert [c.case_id for c in worklist.order(candidates)] == [5, 4, 3, 1, 2]


def test_the_queue_puts_due_follow_ups_then_scored_then_the_fallback(world, zhao_cases) -> None:
    a1, a2, b, c = zhao_cases
    stored_score(b, CALL_DAY, world.user("admin"), priority=1)
    FollowUp.objects.create(case=c, kind=FollowUp.Kind.CALLBACK, due_at=at(CALL_DAY, 9))
    assert ids(queue(user=world.user("agent_zhao"), at=TEN)) == [c.pk, b.pk, a1.pk, a2.pk]


def test_the_queue_never_offers_a_case_the_gate_would_block(world, zhao_cases) -> None:
    a1, a2, b, c = zhao_cases
    compliance = world.user("compliance_zhou")
    since = at(CALL_DAY, 0)
    hold_add(
        customer=a1.customer,
        kind="cease_contact",
        reason="Asked in writing.",
        actor=compliance,
        starts_at=since,
    )
    hold_add(
        customer=b.customer,
        kind="dispute",
        reason="Disputes the fee.",
        actor=compliance,
        starts_at=since,
    )
    user = world.user("agent_zhao")
    for moment in (TEN, at(CALL_DAY, 7, 59), at(CALL_DAY, 21, 59), at(CALL_DAY, 22)):
        offered = queue(user=user, at=moment)
        for item in offered:
            again = contact_decide(
                case=item.case,
                proposal=ContactProposal(channel="call", at=moment),
                actor=user,
                record=False,
            )
            assert contact_allowed(again)
        expected = [a2.pk, c.pk] if 8 <= timezone.localtime(moment).hour < 22 else []
        assert ids(offered) == expected
    assert Decision.objects.count() == 0  # reading the queue stores no decisions


def test_a_call_back_the_debtor_asked_for_is_offered_outside_the_window(world, zhao_cases) -> None:
    late = at(CALL_DAY, 22, 30)
    FollowUp.objects.create(case=zhao_cases[0], kind=FollowUp.Kind.CALLBACK, due_at=late)
    FollowUp.objects.create(case=zhao_cases[1], kind=FollowUp.Kind.PROMISE_REMINDER, due_at=late)
    assert ids(queue(user=world.user("agent_zhao"), at=late)) == [zhao_cases[0].pk]


def test_next_case_stores_the_decision_dials_and_resumes_the_open_call(world, zhao_cases) -> None:
    user = world.user("agent_zhao")
    call = services.call_next(user=user, at=TEN)
    assert call is not None
    assert call.case == zhao_cases[0]  # M2 3,000: the largest bucket × amount
    assert (call.decision.verdict, call.decision.channel) == ("allow", "call")
    assert dialer().dialled[-1] == (call.pk, "13900000000")  # type: ignore[attr-defined]
    assert call.dialer_ref == f"fake-{call.pk}"
    assert services.call_next(user=user, at=TEN) == call
    assert Decision.objects.count() == 1


def test_wrapping_up_a_promise_takes_it_and_schedules_its_reminder(world, zhao_cases) -> None:
    user = world.user("agent_zhao")
    call = services.call_next(user=user, at=TEN)
    services.call_wrap_up(
        call=call,
        actor=user,
        outcome="promise",
        duration_seconds=185,
        at=TEN + timedelta(minutes=4),
        notes="Will pay after payday.",
        recording=b"RIFF....WAVEfmt ",
        promise_amount=Decimal("1500.00"),
        promise_due_on=date(2026, 7, 10),
    )
    case = call.case
    case.refresh_from_db()
    promise = Promise.objects.get(case=case)
    assert (promise.amount, promise.due_on, promise.channel) == (
        Decimal("1500.00"),
        date(2026, 7, 10),
        "call",
    )
    assert case.status == "promised"
    reminder = FollowUp.objects.get(case=case, kind="promise_reminder")
    assert reminder.due_at == at(date(2026, 7, 9), 10)
    assert reminder.promise == promise
    contact = ContactEvent.objects.get(case=case)
    assert (contact.outcome, contact.decision, contact.outside_decision) == (
        "demand_stated",
        call.decision,
        False,
    )
    call.refresh_from_db()
    assert len(call.recording_sha256) == 64
    phone = Phone.objects.get(pk=call.phone_id)
    assert phone.verification == "verified"
    entry = LedgerEntry.objects.get(kind="call.wrapped_up")
    assert call.recording_sha256 in entry.data
    assert "Will pay" not in entry.data  # notes are ledgered as a hash only
    assert case.entries.get().body == "Will pay after payday."
    # Called today: the case leaves the queue; the reminder brings it back the day before.
    assert case.pk not in ids(queue(user=user, at=TEN + timedelta(minutes=5)))
    assert ids(queue(user=user, at=at(date(2026, 7, 9), 10)))[0] == case.pk


def test_a_wrong_number_is_marked_and_not_dialled_again(world, zhao_cases) -> None:
    user = world.user("agent_zhao")
    call = services.call_next(user=user, at=TEN)
    services.call_wrap_up(
        call=call, actor=user, outcome="wrong_number", duration_seconds=20, at=TEN
    )
    assert Phone.objects.get(pk=call.phone_id).verification == "wrong_number"
    assert LedgerEntry.objects.filter(kind="phone.verification_changed").count() == 1
    tomorrow = at(CALL_DAY + timedelta(days=1), 10)
    # The only number is wrong: the case leaves the queue, the next one is called.
    assert call.case.pk not in ids(queue(user=user, at=tomorrow))
    following = services.call_next(user=user, at=tomorrow)
    assert following.case != call.case


def test_a_dispute_puts_a_dispute_hold_that_empties_the_queue_of_the_case(
    world, zhao_cases
) -> None:
    user = world.user("agent_zhao")
    call = services.call_next(user=user, at=TEN)
    services.call_wrap_up(call=call, actor=user, outcome="dispute", duration_seconds=60, at=TEN)
    hold = Hold.objects.get(customer=call.case.customer)
    assert hold.kind == "dispute"
    tomorrow = at(CALL_DAY + timedelta(days=1), 10)
    assert call.case.pk not in ids(queue(user=user, at=tomorrow))


def test_a_refused_wrap_up_changes_nothing(world, zhao_cases) -> None:
    user = world.user("agent_zhao")
    call = services.call_next(user=user, at=TEN)
    with pytest.raises(DomainError) as refused:
        services.call_wrap_up(call=call, actor=user, outcome="promise", duration_seconds=60, at=TEN)
    assert (refused.value.code, refused.value.field) == ("promise_required", "promise_amount")
    with pytest.raises(DomainError) as refused:
        services.call_wrap_up(
            call=call,
            actor=user,
            outcome="promise",
            duration_seconds=60,
            at=TEN,
            promise_amount=Decimal("100.00"),
            promise_due_on=date(2026, 12, 1),
        )
    assert refused.value.field == "due_on"
    with pytest.raises(DomainError) as refused:
        services.call_wrap_up(call=call, actor=user, outcome="shouted", duration_seconds=1, at=TEN)
    assert refused.value.field == "outcome"
    call.refresh_from_db()
    assert (call.wrapped_at, call.outcome) == (None, "")
    assert (ContactEvent.objects.count(), Promise.objects.count()) == (0, 0)


def test_a_call_back_is_scheduled_and_wrapping_twice_is_refused(world, zhao_cases) -> None:
    user = world.user("agent_zhao")
    call = services.call_next(user=user, at=TEN)
    back = at(CALL_DAY, 18)
    services.call_wrap_up(
        call=call, actor=user, outcome="callback", duration_seconds=30, at=TEN, callback_at=back
    )
    assert FollowUp.objects.get(case=call.case).due_at == back
    with pytest.raises(DomainError) as refused:
        services.call_wrap_up(
            call=call, actor=user, outcome="no_answer", duration_seconds=1, at=TEN
        )
    assert (refused.value.status, refused.value.code) == (409, "already_wrapped_up")
    # At 18:00 the call-back heads the queue; calling it marks it done.
    later = services.call_next(user=user, at=back)
    assert later.case == call.case
    assert later.decision.initiated_by == "debtor"
    services.call_wrap_up(
        call=later, actor=user, outcome="right_party", duration_seconds=90, at=back
    )
    assert FollowUp.objects.get(case=call.case).done_by_call == later


def test_only_agents_have_queues(world) -> None:
    with pytest.raises(DomainError) as refused:
        queue(user=world.user("manager_wang"), at=TEN)
    assert refused.value.status == 403
    assert Call.objects.count() == 0
