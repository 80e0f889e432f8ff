"""``decide``: what a decision records, how parameters change it, and what it refuses."""

from __future__ import annotations

import json
from datetime import datetime, time

import pytest

from doorstep.compliance.engine import (
    Calendar,
    Channel,
    CnParams,
    Contact,
    Debtor,
    EngineInputError,
    Hold,
    Initiator,
    PastContact,
    Target,
    UsParams,
    Verdict,
    Window,
    YearArrangement,
    decide,
)
from doorstep.compliance.engine.params import Params

CALENDAR = Calendar()
debtor_zhang = Debtor()  # in Hangzhou: the profile's home zone


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def visit(when: str, **kwargs: object) -> Contact:
    return Contact(Channel.VISIT, at(when), staff_count=2, **kwargs)  # type: ignore[arg-type]


def cn(
    contact: Contact,
    debtor: Debtor = debtor_zhang,
    history: list[PastContact] | None = None,
    params: Params | None = None,
) -> tuple[Verdict, tuple[str, ...]]:
    decision = decide(
        contact,
        debtor,
        history or [],
        profile="cn",
        params=params or CnParams(),
        calendar=CALENDAR,
        version="v7",
    )
    return decision.verdict, decision.rules


def test_a_decision_records_the_parameters_facts_and_citation_of_each_fired_rule() -> None:
    decision = decide(
        Contact(Channel.CALL, at("2026-03-02T22:00:00+08:00")),
        debtor_zhang,
        [],
        profile="cn",
        params=CnParams(),
        calendar=CALENDAR,
        version="v7",
    )

    assert decision.to_dict() == {
        "verdict": "block",
        "rules": [
            {
                "rule": "CN-TIME-01",
                "verdict": "block",
                "params": {"contact_window": "08:00-22:00"},
                "facts": {
                    "date": "2026-03-02",
                    "local_time": "22:00",
                    "timezone": "Asia/Shanghai",
                    "reason": "outside_window",
                },
                "citation": {
                    "zh": "中国银行业协会 催收业务指引（试行，2026）",
                    "en": "China Banking Association collection guideline (trial, 2026)",
                },
            }
        ],
        "profile": "cn",
        "version": "v7",
    }
    assert json.loads(json.dumps(decision.to_dict())) == decision.to_dict()


def test_an_allowed_contact_has_no_fired_rules() -> None:
    assert cn(visit("2026-03-02T10:00:00+08:00")) == (Verdict.ALLOW, ())


def test_the_most_severe_verdict_wins_and_every_rule_is_listed_in_table_order() -> None:
    contact = Contact(Channel.VISIT, at("2027-03-03T10:00:00+08:00"), target=Target.THIRD_PARTY)

    assert cn(contact) == (Verdict.BLOCK, ("CN-HOL-02", "CN-TEAM-01", "CN-TGT-01"))


def test_a_narrower_contact_window_blocks_what_the_default_allows() -> None:
    params = CnParams(contact_window=Window(time(9), time(20)))
    call = Contact(Channel.CALL, at("2026-03-02T08:30:00+08:00"))

    assert cn(call) == (Verdict.ALLOW, ())
    assert cn(call, params=params) == (Verdict.BLOCK, ("CN-TIME-01",))


def test_weekend_visits_turned_off_block_ordinary_weekends_only() -> None:
    params = CnParams(visits_on_weekends=False)

    assert cn(visit("2026-03-07T10:00:00+08:00"), params=params) == (
        Verdict.BLOCK,
        ("CN-HOL-03",),
    )
    assert cn(visit("2026-10-10T10:00:00+08:00"), params=params) == (Verdict.ALLOW, ())
    assert cn(visit("2026-10-03T10:00:00+08:00"), params=params) == (
        Verdict.BLOCK,
        ("CN-HOL-01",),
    )


def test_a_bank_can_allow_contacting_the_debtors_attorney() -> None:
    letter = Contact(Channel.LETTER, at("2026-03-02T10:00:00+08:00"), target=Target.ATTORNEY)
    params = CnParams(allowed_targets=frozenset({Target.DEBTOR, Target.GUARANTOR, Target.ATTORNEY}))

    assert cn(letter) == (Verdict.BLOCK, ("CN-TGT-01",))
    assert cn(letter, params=params) == (Verdict.ALLOW, ())


def test_a_higher_visit_cap_allows_a_third_visit() -> None:
    history = [
        PastContact(Channel.VISIT, at("2026-03-03T10:00:00+08:00")),
        PastContact(Channel.VISIT, at("2026-03-05T10:00:00+08:00")),
    ]

    assert cn(visit("2026-03-09T10:00:00+08:00"), history=history) == (
        Verdict.BLOCK,
        ("CN-FREQ-02",),
    )
    assert cn(
        visit("2026-03-09T10:00:00+08:00"),
        history=history,
        params=CnParams(max_visits_per_period=3),
    ) == (Verdict.ALLOW, ())


def test_a_loaded_arrangement_decides_an_unknown_year() -> None:
    calendar = Calendar(
        [
            YearArrangement(
                2027,
                rest_days=frozenset({at("2027-10-01T00:00+08:00").date()}),
                makeup_workdays=frozenset(),
            )
        ]
    )

    def verdict(when: str) -> Verdict:
        return decide(
            visit(when),
            debtor_zhang,
            [],
            profile="cn",
            params=CnParams(),
            calendar=calendar,
            version="v7",
        ).verdict

    assert verdict("2027-10-01T10:00:00+08:00") is Verdict.BLOCK
    assert verdict("2027-03-03T10:00:00+08:00") is Verdict.ALLOW


def test_a_contact_needs_a_time_with_its_offset() -> None:
    with pytest.raises(EngineInputError) as raised:
        Contact(Channel.CALL, datetime(2026, 3, 2, 10))  # noqa: DTZ001 - the point of the test

    assert (raised.value.field, raised.value.message) == (
        "contact.at",
        "a time needs its UTC offset, e.g. 2026-03-02T10:00:00+08:00",
    )


def test_parameters_of_another_profile_are_refused() -> None:
    with pytest.raises(EngineInputError) as raised:
        decide(
            Contact(Channel.CALL, at("2026-03-02T10:00:00+08:00")),
            debtor_zhang,
            [],
            profile="cn",
            params=UsParams(),
            calendar=CALENDAR,
            version="v7",
        )

    assert str(raised.value) == "params: parameters of profile us cannot decide for profile cn"


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(EngineInputError) as raised:
        decide(
            Contact(Channel.CALL, at("2026-03-02T10:00:00+08:00")),
            debtor_zhang,
            [],
            profile="fr",
            params=CnParams(),
            calendar=CALENDAR,
            version="v7",
        )

    assert str(raised.value) == "profile: unknown profile fr; use one of cn, us, uk"


def test_an_unknown_other_time_zone_is_refused() -> None:
    debtor = Debtor(other_timezones=("Atlantis/Capital",))

    with pytest.raises(EngineInputError) as raised:
        cn(Contact(Channel.CALL, at("2026-03-02T10:00:00+08:00")), debtor)

    assert raised.value.params == {"zone": "Atlantis/Capital"}


def test_holds_stop_a_contact_the_debtor_started() -> None:
    chat = Contact(Channel.CHAT, at("2026-03-02T10:00:00+08:00"), initiated_by=Initiator.DEBTOR)

    assert cn(chat, Debtor(holds=frozenset({Hold.COMPLAINT}))) == (
        Verdict.BLOCK,
        ("CN-HOLD-01",),
    )
