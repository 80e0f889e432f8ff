"""Property tests: the time-window and frequency rules never allow what their parameters forbid
(and never block what they allow), for random windows, caps, time zones and histories.

Each property restates its rule independently (local time by ``astimezone``, counts by brute
force over the history) and compares with the engine, and the batch path with ``decide``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.compliance.engine import (
    BatchDecider,
    Calendar,
    Channel,
    CnParams,
    Contact,
    Debtor,
    Initiator,
    Outcome,
    PastContact,
    Proposal,
    UsParams,
    Verdict,
    Window,
    decide,
)
from doorstep.compliance.engine.params import Params

CALENDAR = Calendar()
ZONES = [
    "Asia/Shanghai",
    "Asia/Urumqi",
    "Asia/Kathmandu",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]
EXAMPLES = settings(max_examples=100, deadline=None)

zones = st.sampled_from(ZONES)
moments = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001 - made aware by ``timezones``
    max_value=datetime(2026, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
clock = st.times(min_value=time(0, 0), max_value=time(23, 59, 59))


@st.composite
def windows(draw: st.DrawFn) -> Window:
    start = draw(clock)
    end = draw(clock.filter(lambda t: t > start))
    return Window(start, end)


@st.composite
def past_calls(draw: st.DrawFn, around: datetime, channel: Channel = Channel.CALL) -> PastContact:
    offset = draw(st.integers(min_value=-12 * 24 * 60, max_value=60))
    return PastContact(
        channel,
        around + timedelta(minutes=offset),
        connected=draw(st.booleans()),
        conversation=draw(st.booleans()),
        debt=draw(st.sampled_from([None, "card", "loan"])),
        initiated_by=draw(st.sampled_from(list(Initiator))),
        consented=draw(st.booleans()),
    )


def inside(window: Window, moment: time) -> bool:
    return window.start <= moment < window.end


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def run(
    contact: Contact, debtor: Debtor, history: list[PastContact], profile: str, params: Params
) -> tuple[Verdict, tuple[str, ...]]:
    decision = decide(
        contact, debtor, history, profile=profile, params=params, calendar=CALENDAR, version="p"
    )
    batch = BatchDecider(
        debtors={"d": debtor},
        histories={"d": history},
        profile=profile,
        params=params,
        calendar=CALENDAR,
        version="p",
    )
    assert batch.decide_all([Proposal("d", contact)]) == [Outcome(decision.verdict, decision.rules)]
    return decision.verdict, decision.rules


@EXAMPLES
@given(window=windows(), zone=zones, moment=moments, channel=st.sampled_from(list(Channel)))
def test_cn_contact_window_blocks_exactly_outside_it(
    window: Window, zone: str, moment: datetime, channel: Channel
) -> None:
    params = CnParams(contact_window=window)
    contact = Contact(channel, moment, staff_count=2)

    verdict, rules = run(contact, Debtor(timezone=zone), [], "cn", params)

    local = moment.astimezone(ZoneInfo(zone)).time()
    forbidden = channel is not Channel.LETTER and not inside(window, local)
    assert ("CN-TIME-01" in rules) is forbidden
    if forbidden:
        assert verdict is Verdict.BLOCK


@EXAMPLES
@given(window=windows(), zone=zones, moment=moments)
def test_cn_visit_window_blocks_exactly_outside_it(
    window: Window, zone: str, moment: datetime
) -> None:
    params = CnParams(visit_window=window)
    contact = Contact(Channel.VISIT, moment, staff_count=2, consented=True)

    verdict, rules = run(contact, Debtor(timezone=zone), [], "cn", params)

    forbidden = not inside(window, moment.astimezone(ZoneInfo(zone)).time())
    assert ("CN-VISIT-01" in rules) is forbidden
    if forbidden:
        assert verdict is Verdict.BLOCK


@EXAMPLES
@given(window=windows(), zone=zones, others=st.lists(zones, max_size=2), moment=moments)
def test_us_window_must_suit_every_place_the_consumer_may_be(
    window: Window, zone: str, others: list[str], moment: datetime
) -> None:
    debtor = Debtor(timezone=zone, other_timezones=tuple(others))

    verdict, rules = run(
        Contact(Channel.SMS, moment), debtor, [], "us", UsParams(contact_window=window)
    )

    forbidden = any(
        not inside(window, moment.astimezone(ZoneInfo(place)).time()) for place in [zone, *others]
    )
    assert ("US-TIME-01" in rules) is forbidden
    if forbidden:
        assert verdict is Verdict.BLOCK


@EXAMPLES
@given(data=st.data(), zone=zones, moment=moments, cap=st.integers(min_value=0, max_value=8))
def test_cn_daily_call_cap_is_never_exceeded(
    data: st.DataObject, zone: str, moment: datetime, cap: int
) -> None:
    history = data.draw(st.lists(past_calls(moment), max_size=14))
    contact = Contact(Channel.CALL, moment)

    verdict, rules = run(
        contact, Debtor(timezone=zone), history, "cn", CnParams(max_calls_per_day=cap)
    )

    day = local_day(moment, zone)
    earlier = sum(
        1
        for item in history
        if item.initiated_by is Initiator.BANK
        and item.at < moment
        and local_day(item.at, zone) == day
    )
    assert ("CN-FREQ-01" in rules) is (earlier >= cap)
    if earlier >= cap:
        assert verdict is Verdict.BLOCK


@EXAMPLES
@given(
    data=st.data(),
    zone=zones,
    moment=moments,
    cap=st.integers(min_value=0, max_value=4),
    days=st.integers(min_value=1, max_value=10),
)
def test_cn_visit_cap_over_the_days_ending_on_the_visit_day_is_never_exceeded(
    data: st.DataObject, zone: str, moment: datetime, cap: int, days: int
) -> None:
    history = data.draw(st.lists(past_calls(moment, Channel.VISIT), max_size=8))
    params = CnParams(max_visits_per_period=cap, visit_period_days=days)

    verdict, rules = run(
        Contact(Channel.VISIT, moment, staff_count=2), Debtor(timezone=zone), history, "cn", params
    )

    day = local_day(moment, zone)
    earlier = sum(
        1
        for item in history
        if item.at < moment and 0 <= (day - local_day(item.at, zone)).days < days
    )
    assert ("CN-FREQ-02" in rules) is (earlier >= cap)
    if earlier >= cap:
        assert verdict is Verdict.BLOCK


def same_debt(item: PastContact, debt: str | None) -> bool:
    return item.debt is None or debt is None or item.debt == debt


@EXAMPLES
@given(
    data=st.data(),
    zone=zones,
    moment=moments,
    debt=st.sampled_from([None, "card"]),
    consented=st.booleans(),
    cap=st.integers(min_value=0, max_value=8),
    days=st.integers(min_value=1, max_value=10),
)
def test_us_calls_per_debt_in_consecutive_days_never_exceed_the_cap(
    data: st.DataObject,
    zone: str,
    moment: datetime,
    debt: str | None,
    consented: bool,
    cap: int,
    days: int,
) -> None:
    history = data.draw(st.lists(past_calls(moment), max_size=14))
    params = UsParams(max_calls_per_period=cap, call_period_days=days)
    contact = Contact(Channel.CALL, moment, debt=debt, consented=consented)

    verdict, rules = run(contact, Debtor(timezone=zone), history, "us", params)

    day = local_day(moment, zone)
    counted = sum(
        1
        for item in history
        if item.at < moment
        and item.initiated_by is Initiator.BANK
        and item.connected
        and not item.consented
        and same_debt(item, debt)
        and 0 <= (day - local_day(item.at, zone)).days < days
    )
    forbidden = not consented and counted >= cap
    assert ("US-FREQ-01" in rules) is forbidden
    if forbidden:
        assert verdict is Verdict.BLOCK


@EXAMPLES
@given(
    data=st.data(),
    zone=zones,
    moment=moments,
    debt=st.sampled_from([None, "card"]),
    quiet=st.integers(min_value=0, max_value=10),
)
def test_us_no_call_within_the_quiet_days_after_a_conversation(
    data: st.DataObject, zone: str, moment: datetime, debt: str | None, quiet: int
) -> None:
    history = data.draw(st.lists(past_calls(moment), max_size=10))
    contact = Contact(Channel.CALL, moment, debt=debt)

    verdict, rules = run(
        contact, Debtor(timezone=zone), history, "us", UsParams(conversation_quiet_days=quiet)
    )

    day = local_day(moment, zone)
    forbidden = any(
        item.conversation
        and item.at < moment
        and same_debt(item, debt)
        and 0 <= (day - local_day(item.at, zone)).days < quiet
        for item in history
    )
    assert ("US-FREQ-02" in rules) is forbidden
    if forbidden:
        assert verdict is Verdict.BLOCK


@EXAMPLES
@given(data=st.data(), zone=zones, moment=moments, channel=st.sampled_from(list(Channel)))
def test_contact_the_debtor_started_is_exempt_from_time_and_frequency_rules(
    data: st.DataObject, zone: str, moment: datetime, channel: Channel
) -> None:
    history = data.draw(st.lists(past_calls(moment, channel), max_size=10))
    contact = Contact(channel, moment, staff_count=2, initiated_by=Initiator.DEBTOR)
    strict = CnParams(
        contact_window=Window(time(12), time(12, 1)),
        visit_window=Window(time(12), time(12, 1)),
        max_calls_per_day=0,
        max_visits_per_period=0,
    )

    _, rules = run(contact, Debtor(timezone=zone), history, "cn", strict)

    assert set(rules) <= {"CN-HOL-01", "CN-HOL-02"}
