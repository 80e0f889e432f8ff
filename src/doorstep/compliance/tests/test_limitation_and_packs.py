"""Limitation on the case (interruptions recorded from contacts and payments) and scenario
packs run through the command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from doorstep.cases.services import case_open
from doorstep.compliance import services
from doorstep.compliance.models import LimitationEvent
from doorstep.compliance.selectors import case_limitation
from doorstep.compliance.tests.conftest import at
from doorstep.core.testing import AS_OF, make_account, make_customer
from doorstep.portfolio.models import Payment

pytestmark = pytest.mark.django_db

PACKS = Path(__file__).resolve().parents[1] / "packs"
TODAY = date(2026, 7, 10)


def zhang(world) -> object:  # type: ignore[no-untyped-def]
    [item] = case_limitation(world.zhang_case, today=TODAY)
    return item


# --- Limitation -------------------------------------------------------------------------------


def test_a_card_runs_from_its_oldest_unpaid_due(world) -> None:
    item = zhang(world)
    assert (item.start, item.basis) == (date(2026, 4, 15), "oldest_unpaid_due")
    # 15 April 2029 is a Sunday, so the period ends on Monday; 2029 is not loaded: provisional.
    assert (item.result.expires, item.result.provisional) == (date(2029, 4, 16), True)
    assert (item.result.interrupted_by, item.interrupted_source, item.time_barred) == (
        None,
        "",
        False,
    )


def test_a_loan_runs_from_its_last_instalment(world) -> None:
    [item] = case_limitation(world.huang_case, today=TODAY)
    assert (item.start, item.basis) == (date(2026, 6, 10), "last_instalment")


def test_a_met_debtor_visit_interrupts_the_limitation_and_is_shown_as_the_cause(
    world, contact
) -> None:
    visit = contact("visit", at(2026, 7, 1), "demand_stated", staff_count=2)
    event = LimitationEvent.objects.get()
    assert (event.kind, event.on, event.contact, event.account) == (
        "demand_delivered",
        date(2026, 7, 1),
        visit,
        world.zhang_case.accounts.get(),
    )
    item = zhang(world)
    assert (item.result.interrupted_by.kind, item.result.interrupted_by.on) == (
        "demand_delivered",
        date(2026, 7, 1),
    )
    assert item.interrupted_label == "Demand delivered"
    assert item.interrupted_source == f"Visit #{visit.pk}: Debtor reached, demand stated"
    assert item.result.expires == date(2029, 7, 2)  # 1 July 2029 is a Sunday
    assert "a demand delivered on 2026-07-01 interrupted it" in item.explanation


@pytest.mark.parametrize(
    ("channel", "outcome", "target"),
    [
        ("visit", "not_home", "debtor"),
        ("visit", "third_party_only", "debtor"),
        ("visit", "demand_stated", "guarantor"),
        ("call", "demand_stated", "debtor"),
        ("sms", "not_delivered", "debtor"),
    ],
)
def test_contacts_that_did_not_reach_the_debtor_interrupt_nothing(
    world, contact, channel, outcome, target
) -> None:
    contact(channel, at(2026, 7, 1), outcome, target=target, staff_count=2)
    assert not LimitationEvent.objects.exists()
    assert zhang(world).result.interrupted_by is None


def test_a_delivered_letter_interrupts_it(world, contact) -> None:
    contact("letter", at(2026, 7, 2), "delivered")
    assert zhang(world).result.interrupted_by.on == date(2026, 7, 2)


def test_a_payment_counts_as_a_part_payment_and_a_debit_as_a_debit(world) -> None:
    account = world.zhang_case.accounts.get()
    Payment.objects.create(
        account=account, external_id="TX-PART", paid_on=date(2026, 6, 20), amount="300.00"
    )
    Payment.objects.create(
        account=account,
        external_id="TX-BOUNCED",
        paid_on=date(2026, 6, 25),
        amount="100.00",
        reversed_on=date(2026, 6, 26),
    )
    item = zhang(world)
    assert (item.result.interrupted_by.kind, item.result.interrupted_by.on) == (
        "part_payment",
        date(2026, 6, 20),
    )
    assert item.interrupted_source == "TX-PART ¥300.00"
    Payment.objects.create(
        account=account,
        external_id="TX-DEBIT",
        paid_on=date(2026, 7, 3),
        amount="50.00",
        channel=Payment.Channel.AUTO_DEBIT,
    )
    assert zhang(world).result.interrupted_by.kind == "debit"


def test_warnings_come_at_180_90_and_30_days(world) -> None:
    expires = zhang(world).result.expires
    warnings = [
        case_limitation(world.zhang_case, today=date.fromordinal(expires.toordinal() - left))[
            0
        ].warning
        for left in (181, 180, 91, 90, 31, 30, 0)
    ]
    assert warnings == [None, 180, 180, 90, 90, 30, 30]


def test_an_expired_debt_is_time_barred(world) -> None:
    [item] = case_limitation(world.zhang_case, today=date(2030, 1, 7))
    assert (item.time_barred, item.warning, item.days_left) == (True, None, -266)


def test_a_suit_threat_is_blocked_only_on_a_time_barred_case(world) -> None:
    customer = make_customer("陈旧", national_id="330106197001011234")
    account = make_account(customer, world.xh, dues=[(date(2022, 1, 15), "800.00")])
    old_case = case_open(customer=customer, accounts=[account], as_of=AS_OF)
    threat = "再不还款我们将起诉你。"
    fresh = services.content_check(text=threat, kind="script", case=world.zhang_case)
    barred = services.content_check(text=threat, kind="script", case=old_case)
    assert (fresh.time_barred, fresh.screening.verdict.value) == (False, "allow")
    assert (barred.time_barred, barred.screening.rules) == (True, ("CN-LIM-05",))
    assert barred.explanations[0].text == (
        'The limitation period has expired: no threat of suit: "起诉" (Civil Code Arts 192–193; '
        "SPC Limitation Provisions Art 19)"
    )


# --- Scenario packs ---------------------------------------------------------------------------


def run_pack(path: Path, *args: str, capsys) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    status = 0
    try:
        call_command("compliance", "run-pack", str(path), *args)
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return capsys.readouterr().out.splitlines(), status


@pytest.mark.parametrize("name", ["cn", "us", "uk"])
def test_the_shipped_packs_pass_through_the_command(world, name, capsys) -> None:
    path = PACKS / f"{name}.jsonl"
    lines, status = run_pack(path, capsys=capsys)
    scenarios = len(path.read_text(encoding="utf-8").splitlines())
    assert (status, lines[-1], len(lines)) == (0, f"{scenarios} passed, 0 failed", scenarios + 1)


def test_the_command_prints_each_scenario_errors_and_the_summary_exactly(
    world, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "pack.jsonl"
    visit = {"channel": "visit", "at": "2026-10-01T10:00:00+08:00", "staff_count": 2}
    call = {"channel": "call", "at": "2026-03-02T10:00:00+08:00"}
    scenarios = [
        {"id": "holiday", "contact": visit, "expect": {"verdict": "block", "rules": ["CN-HOL-01"]}},
        {"id": "wrong", "contact": call, "expect": {"verdict": "block"}},
        {"id": "no-expect", "contact": {**call, "at": "2026-03-02T07:00:00+08:00"}},
        {"id": "bad", "contact": {**call, "channel": "fax"}},
        {
            "id": "lim",
            "limitation": {"start": "2023-02-17", "events": []},
            "expect": {"expires": "2026-02-24"},
        },
    ]
    path.write_text("\n".join(json.dumps(item) for item in scenarios), encoding="utf-8")
    lines, status = run_pack(path, capsys=capsys)
    assert status == 1
    assert [json.loads(line) for line in lines[:-1]] == [
        {
            "id": "holiday",
            "verdict": "block",
            "rules": ["CN-HOL-01"],
            "expires": None,
            "provisional": None,
            "ok": True,
        },
        {
            "id": "wrong",
            "verdict": "allow",
            "rules": [],
            "expires": None,
            "provisional": None,
            "ok": False,
        },
        {
            "id": "no-expect",
            "verdict": "block",
            "rules": ["CN-TIME-01"],
            "expires": None,
            "provisional": None,
            "ok": None,
        },
        {
            "line": 4,
            "error": "contact.channel: must be one of visit, call, sms, email, letter, chat",
        },
        {
            "id": "lim",
            "verdict": None,
            "rules": ["CN-LIM-01", "CN-LIM-04"],
            "expires": "2026-02-24",
            "provisional": False,
            "ok": True,
        },
    ]
    assert lines[-1] == "2 passed, 2 failed"


def test_a_pack_runs_under_a_chosen_version_pending_included(world, tmp_path: Path, capsys) -> None:
    version = services.parameters_propose(
        profile="cn",
        values={"visit_window": "09:00-18:00"},
        effective_from=at(2030, 1, 1),
        maker=world.user("compliance_zhou"),
        reason="Try later visits.",
    )
    path = tmp_path / "late.jsonl"
    path.write_text(
        '{"id": "late-visit", "contact": {"channel": "visit", "at": "2026-03-02T17:30:00+08:00", '
        '"staff_count": 2}, "expect": {"verdict": "allow"}}\n',
        encoding="utf-8",
    )
    now_lines, now_status = run_pack(path, capsys=capsys)
    new_lines, new_status = run_pack(path, "--version", f"cn:{version.number}", capsys=capsys)
    assert (now_status, now_lines[-1]) == (1, "0 passed, 1 failed")
    assert (new_status, new_lines[-1]) == (0, "1 passed, 0 failed")
