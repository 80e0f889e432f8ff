"""Scenario packs: the shipped packs pass and cover every rule; the format is parsed exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.compliance.engine import Calendar, CnParams
from doorstep.compliance.engine.packs import (
    CONTACT_KEYS,
    DEBTOR_KEYS,
    EVENT_KEYS,
    HISTORY_KEYS,
    LIMITATION_EXPECT_KEYS,
    LIMITATION_KEYS,
    SCENARIO_KEYS,
    PackRun,
    main,
    parse,
)
from doorstep.compliance.engine.profiles import rule_ids

PACKS = Path(__file__).resolve().parents[1] / "packs"
SHIPPED = sorted(PACKS.glob("*.jsonl"))
CALENDAR = Calendar()
LIMITATION_RULES = {"CN-LIM-01", "CN-LIM-02", "CN-LIM-03", "CN-LIM-04", "CN-LIM-05"}
# Fires only once a bank turns ``visits_on_weekends`` off; packs run the parameters in force
# (the shipped ones pass under the defaults), so its firing side is proven below with params.
NEEDS_OTHER_PARAMS = {"CN-HOL-03"}


def run(lines: list[str], **kwargs: object) -> tuple[list[str], PackRun]:
    pack = PackRun(calendar=Calendar(), version="test", **kwargs)  # type: ignore[arg-type]
    return list(pack.outputs(lines)), pack


def test_the_shipped_packs_are_cn_us_and_uk() -> None:
    assert [path.name for path in SHIPPED] == ["cn.jsonl", "uk.jsonl", "us.jsonl"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_every_scenario_of_a_shipped_pack_passes(path: Path) -> None:
    outputs, pack = run(path.read_text(encoding="utf-8").splitlines())

    failures = [line for line in outputs[:-1] if json.loads(line).get("ok") is not True]
    assert failures == []
    assert pack.failed == 0
    assert outputs[-1] == f"{pack.passed} passed, 0 failed"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_every_contact_rule_of_the_profile_is_expected_to_fire_somewhere(path: Path) -> None:
    expected: set[str] = set()
    allowed_somewhere = False
    for line in path.read_text(encoding="utf-8").splitlines():
        scenario = json.loads(line)
        expected.update(scenario["expect"].get("rules", []))
        allowed_somewhere |= scenario["expect"].get("verdict") == "allow"
    rules = set(rule_ids(path.stem))
    if path.stem == "cn":
        rules |= LIMITATION_RULES

    assert rules - expected == (NEEDS_OTHER_PARAMS if path.stem == "cn" else set())
    assert allowed_somewhere


def test_a_scenario_prints_its_verdict_rules_and_ok() -> None:
    line = json.dumps(
        {
            "id": "holiday",
            "profile": "cn",
            "contact": {"channel": "visit", "at": "2026-10-01T10:00:00+08:00", "staff_count": 2},
            "expect": {"verdict": "block", "rules": ["CN-HOL-01"]},
        }
    )

    outputs, _ = run([line])

    assert outputs == [
        '{"id": "holiday", "verdict": "block", "rules": ["CN-HOL-01"], "expires": null, '
        '"provisional": null, "ok": true}',
        "1 passed, 0 failed",
    ]


def test_a_limitation_scenario_prints_its_expiry_and_provisional_flag() -> None:
    line = (
        '{"id": "leap", "limitation": {"start": "2024-02-29"}, "expect": {"expires": "2027-03-01"}}'
    )

    outputs, _ = run([line])

    assert outputs == [
        '{"id": "leap", "verdict": null, "rules": ["CN-LIM-01", "CN-LIM-04"], '
        '"expires": "2027-03-01", "provisional": true, "ok": true}',
        "1 passed, 0 failed",
    ]


def test_a_scenario_without_expect_has_ok_null_and_is_counted_in_neither() -> None:
    line = '{"id": "look", "contact": {"channel": "call", "at": "2026-03-02T23:00:00+08:00"}}'

    outputs, pack = run([line])

    assert outputs == [
        '{"id": "look", "verdict": "block", "rules": ["CN-TIME-01"], "expires": null, '
        '"provisional": null, "ok": null}',
        "0 passed, 0 failed",
    ]
    assert (pack.passed, pack.failed) == (0, 0)


def test_a_wrong_expectation_fails_the_scenario() -> None:
    line = (
        '{"id": "wrong", "contact": {"channel": "call", "at": "2026-03-02T10:00:00+08:00"}, '
        '"expect": {"verdict": "block"}}'
    )

    outputs, _ = run([line])

    assert json.loads(outputs[0])["ok"] is False
    assert outputs[-1] == "0 passed, 1 failed"


def test_expected_rules_must_all_have_fired() -> None:
    line = (
        '{"id": "partly", "contact": {"channel": "visit", "at": "2026-10-01T07:00:00+08:00", '
        '"staff_count": 2}, "expect": {"rules": ["CN-HOL-01", "CN-TEAM-01"]}}'
    )

    outputs, _ = run([line])

    assert json.loads(outputs[0])["rules"] == ["CN-TIME-01", "CN-VISIT-01", "CN-HOL-01"]
    assert json.loads(outputs[0])["ok"] is False


def call(**changes: object) -> str:
    """A JSONL line for a 10:00 call on Monday 2 March 2026, with ``changes`` merged in."""
    scenario: dict[str, object] = {
        "id": "call",
        "contact": {"channel": "call", "at": "2026-03-02T10:00:00+08:00"},
    }
    return json.dumps(scenario | changes)


def test_malformed_lines_are_reported_by_number_and_the_rest_still_run() -> None:
    good = call(expect={"verdict": "allow"})
    lines = [
        good,
        "",
        "{not json",
        call(debtor={"hold": ["dispute"]}),
        call(contact={"channel": "call", "at": "2026-03-02T10:00:00"}),
        call(debtor={"timezone": "Mars/Olympus"}),
        call(contact={"channel": "fax", "at": "2026-03-02T10:00:00+08:00"}),
        '{"id": "us-lim", "profile": "us", "limitation": {"start": "2020-01-01"}}',
        good,
    ]

    outputs, pack = run(lines)

    assert [json.loads(line) for line in outputs[1:7]] == [
        {
            "line": 3,
            "error": "line: not a JSON object: Expecting property name enclosed in double quotes",
        },
        {
            "line": 4,
            "error": "debtor.hold: unknown key; expected one of timezone, holds, opted_out, "
            "attorney, vulnerable, other_timezones, inconvenient, consents, withdrawn",
        },
        {
            "line": 5,
            "error": "contact.at: must be an ISO-8601 time with its offset, "
            "e.g. 2026-03-02T10:00+08:00",
        },
        {
            "line": 6,
            "error": "debtor.timezone: Mars/Olympus is not a time zone "
            "(use an IANA name such as Asia/Shanghai)",
        },
        {
            "line": 7,
            "error": "contact.channel: must be one of visit, call, sms, email, letter, chat",
        },
        {"line": 8, "error": "profile: limitation scenarios are defined for profile cn only"},
    ]
    assert outputs[-1] == "2 passed, 6 failed"
    assert pack.failed == 6


@pytest.mark.parametrize(
    ("event", "error"),
    [
        ('{"kind": "suit", "on": "2021-06-01", "ended": "2021-05-01"}',
         "limitation.events[0].ended: the proceedings cannot end (2021-05-01) before the suit "
         "(2021-06-01)"),
        ('{"kind": "plan", "on": "2021-06-01", "ended": "2021-07-01"}',
         "limitation.events[0].ended: unknown key; expected one of kind, on"),
        ('{"kind": "obstacle", "from": "2021-06-01", "to": "2021-05-01"}',
         "limitation.events[0].to: an obstacle cannot clear (2021-05-01) before it begins "
         "(2021-06-01)"),
        ('{"kind": "payment", "on": "2021-06-01"}',
         "limitation.events[0].kind: must be one of demand_delivered, acknowledgement, "
         "part_payment, debit, plan, suit"),
        ('{"kind": "debit"}', "limitation.events[0].on: is required"),
    ],
)  # fmt: skip
def test_a_bad_limitation_event_is_named(event: str, error: str) -> None:
    line = f'{{"id": "e", "limitation": {{"start": "2020-01-01", "events": [{event}]}}}}'

    outputs, _ = run([line])

    assert json.loads(outputs[0]) == {"line": 1, "error": error}


def test_parse_applies_the_safe_defaults() -> None:
    scenario = parse(call(contact={"channel": "visit", "at": "2026-03-02T10:00:00+08:00"}))

    assert scenario.profile == "cn"  # type: ignore[union-attr]
    contact = scenario.contact  # type: ignore[union-attr]
    assert (contact.target, contact.staff_count, contact.initiated_by, contact.consented) == (
        "debtor",
        1,
        "bank",
        False,
    )
    assert scenario.debtor.timezone is None  # type: ignore[union-attr]


def test_a_pack_runs_under_the_parameters_it_is_given() -> None:
    line = (
        '{"id": "saturday", "contact": {"channel": "visit", "at": "2026-03-07T10:00:00+08:00", '
        '"staff_count": 2}, "expect": {"verdict": "allow"}}'
    )

    outputs, pack = run([line], params={"cn": CnParams(visits_on_weekends=False)})

    assert json.loads(outputs[0])["rules"] == ["CN-HOL-03"]
    assert pack.failed == 1


def test_the_command_line_exits_1_when_anything_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "pack.jsonl"
    pack.write_text(
        '{"id": "late", "contact": {"channel": "call", "at": "2026-03-02T23:00:00+08:00"}, '
        '"expect": {"verdict": "allow"}}\n',
        encoding="utf-8",
    )

    status = main([str(pack)])

    assert status == 1
    assert capsys.readouterr().out.splitlines()[-1] == "0 passed, 1 failed"


def test_the_command_line_loads_a_yearly_arrangement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "pack.jsonl"
    pack.write_text(
        '{"id": "2027", "contact": {"channel": "visit", "at": "2027-10-01T10:00:00+08:00", '
        '"staff_count": 2}, "expect": {"verdict": "block", "rules": ["CN-HOL-01"]}}\n',
        encoding="utf-8",
    )
    arrangements = tmp_path / "2027.json"
    arrangements.write_text(
        '[{"year": 2027, "rest_days": ["2027-10-01"], "makeup_workdays": []}]', encoding="utf-8"
    )

    status = main([str(pack), "--arrangements", str(arrangements)])

    assert status == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed"


VOCABULARY = sorted(
    {
        *SCENARIO_KEYS,
        *CONTACT_KEYS,
        *DEBTOR_KEYS,
        *HISTORY_KEYS,
        *LIMITATION_KEYS,
        *EVENT_KEYS,
        *LIMITATION_EXPECT_KEYS,
    }
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-3, max_value=30)
    | st.text(max_size=4)
    | st.sampled_from(
        [
            "2026-03-02T10:00:00+08:00",
            "2026-03-02T10:00:00",
            "2026-03-02",
            "2020-02-29",
            "cn",
            "us",
            "visit",
            "call",
            "debtor",
            "dispute",
            "Asia/Shanghai",
            "08:00-09:00",
            "suit",
            "obstacle",
            "plan",
            "block",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(VOCABULARY), children, max_size=5)
    ),
    max_leaves=15,
)


@settings(max_examples=100, deadline=None)
@given(scenario=st.dictionaries(st.sampled_from(VOCABULARY), json_values, max_size=6))
def test_any_json_line_gives_a_result_or_a_named_error_never_a_crash(
    scenario: dict[str, object],
) -> None:
    results = list(PackRun(calendar=CALENDAR, version="fuzz").results([json.dumps(scenario)]))

    assert len(results) == 1
    assert set(results[0]) in (
        {"line", "error"},
        {"id", "verdict", "rules", "expires", "provisional", "ok"},
    )
