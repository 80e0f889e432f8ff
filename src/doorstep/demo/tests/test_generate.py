"""The pure generator: deterministic, valid and realistic, without touching a database."""

from __future__ import annotations

import hashlib
import pickle
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from doorstep.cases.delinquency import Bucket, History, arrears, bucket_moves
from doorstep.cases.lifecycle import TRANSITIONS, Status
from doorstep.demo import generate, history, people, places, staffing
from doorstep.demo.casework import Conventions
from doorstep.demo.episodes import late_spells
from doorstep.staff.models import Role, Team

AS_OF = date(2026, 6, 30)
CONVENTIONS = Conventions(
    reference=lambda *, customer_id, opened_on: f"C{opened_on:%y%m%d}-{customer_id:07d}",
    cured_reason="Arrears paid in full.",
    password_hash="md5$demo$0",
)


def tables(*, accounts: int, seed: int = 7) -> dict[str, dict[str, list[object]]]:
    """All blocks' columns joined, as plain lists."""
    joined: dict[str, dict[str, list[object]]] = {}
    for block in generate.bank(
        seed=seed, as_of=AS_OF, accounts=accounts, first_id={}, conventions=CONVENTIONS
    ):
        for name, columns in block.tables.items():
            target = joined.setdefault(name, {})
            for column, values in columns.items():
                target.setdefault(column, []).extend(
                    values.tolist() if isinstance(values, np.ndarray) else values
                )
    return joined


def digest(data: dict[str, dict[str, list[object]]]) -> str:
    return hashlib.sha256(pickle.dumps(data, protocol=5)).hexdigest()


@pytest.fixture(scope="module")
def bank_5000() -> dict[str, dict[str, list[object]]]:
    return tables(accounts=5000)


def test_the_same_seed_and_day_give_the_same_rows() -> None:
    assert digest(tables(accounts=600)) == digest(tables(accounts=600))


def test_another_seed_gives_another_bank() -> None:
    first, second = tables(accounts=600), tables(accounts=600, seed=8)
    assert first["customer"]["name"] != second["customer"]["name"]
    assert first["statement"]["principal_due"] != second["statement"]["principal_due"]


def test_the_rows_do_not_depend_on_block_boundaries(monkeypatch) -> None:
    """A bigger bank starts with the same block as a bank of one full block."""
    monkeypatch.setattr(generate, "BLOCK_ACCOUNTS", 300)
    one_block = tables(accounts=300)
    first_block = next(
        b
        for b in generate.bank(
            seed=7, as_of=AS_OF, accounts=310, first_id={}, conventions=CONVENTIONS
        )
        if b.accounts
    )
    assert first_block.tables["account"]["external_id"] == one_block["account"]["external_id"]
    assert first_block.tables["case"]["reference"] == one_block["case"]["reference"]


def test_the_bank_has_exactly_the_accounts_asked_for() -> None:
    data = tables(accounts=1234)
    assert len(data["account"]["id"]) == 1234
    assert data["account"]["id"] == list(range(1, 1235))


def test_national_ids_are_valid_hangzhou_numbers(bank_5000) -> None:
    hangzhou = {code for d in places.DISTRICTS for code in d.region_codes}
    customers = bank_5000["customer"]
    for number, born, gender in zip(
        customers["national_id"], customers["birth_date"], customers["gender"], strict=True
    ):
        assert len(number) == 18
        assert number[:6] in hangzhou
        assert number[6:14] == born.strftime("%Y%m%d")
        assert int(number[16]) % 2 == (1 if gender == "M" else 0)
        assert number[17] == people.id_check_digit(number[:17])


def test_a_known_national_id_check_digit() -> None:
    # The worked example of GB 11643-1999.
    assert people.id_check_digit("11010519491231002") == "X"


def test_every_account_has_twelve_to_twenty_four_months_of_statements(bank_5000) -> None:
    per_account = Counter(bank_5000["statement"]["account_id"])
    assert len(per_account) == 5000
    assert min(per_account.values()) == 12
    assert max(per_account.values()) == 24


def test_no_statement_or_payment_lies_after_the_as_of_date(bank_5000) -> None:
    assert max(bank_5000["statement"]["statement_date"]) <= AS_OF
    assert max(bank_5000["payment"]["paid_on"]) <= AS_OF
    assert all(r is None or r <= AS_OF for r in bank_5000["payment"]["reversed_on"])


def test_some_payments_are_reversed_and_channels_vary(bank_5000) -> None:
    reversed_ = [r for r in bank_5000["payment"]["reversed_on"] if r is not None]
    assert 10 <= len(reversed_) <= 1000
    assert set(bank_5000["payment"]["channel"]) == set(history.CHANNELS)


def test_most_accounts_are_current_and_a_realistic_share_of_customers_is_late(bank_5000) -> None:
    cases = bank_5000["case"]
    open_cases = [i for i, s in enumerate(cases["status"]) if not s.startswith("closed")]
    customers = len(bank_5000["customer"]["id"])
    late_share = len(open_cases) / customers
    assert 0.03 <= late_share <= 0.12
    late_accounts = {
        bank_5000["case_account"]["account_id"][i]
        for i, case in enumerate(bank_5000["case_account"]["case_id"])
        if cases["status"][case - 1] not in {"closed_cured"}
    }
    assert len(late_accounts) / 5000 < 0.1


def test_every_bucket_and_status_is_populated_at_five_thousand_accounts(bank_5000) -> None:
    cases = bank_5000["case"]
    open_buckets = {
        b for b, s in zip(cases["bucket"], cases["status"], strict=True) if s != "closed_cured"
    }
    assert open_buckets == {b.value for b in Bucket} - {Bucket.CURRENT.value}
    assert set(cases["status"]) == {
        "new",
        "active",
        "promised",
        "in_plan",
        "legal",
        "closed_cured",
    }


def test_the_two_demo_field_agents_carry_a_few_dozen_cases(bank_5000) -> None:
    cases = bank_5000["case"]
    held = Counter(
        a for a, s in zip(cases["agent_id"], cases["status"], strict=True) if s != "closed_cured"
    )
    for username in ("agent_li", "agent_zhao"):
        assert 20 <= held[staffing.STAFF_INDEX[username] + 1] <= 60


def test_specialists_complaints_and_transfers_appear(bank_5000) -> None:
    participants = bank_5000["participant"]
    by_capacity = Counter(participants["capacity"])
    assert by_capacity["legal"] >= 10
    complaints_sun = staffing.STAFF_INDEX["complaints_sun"] + 1
    assert complaints_sun in participants["staff_id"]
    transfers = bank_5000["transfer"]
    assert len(transfers["id"]) >= 2
    messages = [
        (e, b)
        for e, k, b in zip(
            bank_5000["entry"]["case_id"],
            bank_5000["entry"]["kind"],
            bank_5000["entry"]["author_branch_id"],
            strict=True,
        )
        if k == "message"
    ]
    for case, source, target in zip(
        transfers["case_id"], transfers["from_branch_id"], transfers["to_branch_id"], strict=True
    ):
        branches = {b for c, b in messages if c == case}
        assert {source, target} <= branches


def test_every_status_change_is_allowed_by_the_lifecycle(bank_5000) -> None:
    changes = bank_5000["status_change"]
    for source, target in zip(changes["from_status"], changes["to_status"], strict=True):
        if source == "":
            assert target == "new"
        else:
            assert (Status(source), Status(target)) in TRANSITIONS


def test_each_case_has_exactly_one_open_assignment(bank_5000) -> None:
    assignments = bank_5000["assignment"]
    still_open = Counter(
        c for c, e in zip(assignments["case_id"], assignments["ended_at"], strict=True) if e is None
    )
    assert set(still_open.values()) == {1}
    assert len(still_open) == len(bank_5000["case"]["id"])


def test_staff_roles_and_team_kinds_are_the_models_values() -> None:
    # Every bank role; the outside agency's user comes with the agency (agencies.demo).
    assert {s.role for s in staffing.STAFF} == set(Role.values) - {Role.AGENCY_USER}
    assert {t.kind for t in staffing.TEAMS} <= set(Team.Kind.values)
    assert len(staffing.STAFF) == 38
    li, zhao = (staffing.STAFF[staffing.STAFF_INDEX[u]] for u in ("agent_li", "agent_zhao"))
    assert (li.role, li.branch, li.team) == ("field_agent", 0, zhao.team)
    assert zhao.role == "field_agent"


def test_late_spells_agree_with_the_delinquency_module() -> None:
    """The numpy shortcut finds the same late stretches as ``bucket_moves`` on every account."""
    rng = np.random.default_rng([7, 0])
    per_customer = np.ones(400, dtype=np.int64)
    folk = people.draw_people(rng, 400, AS_OF)
    accounts = history.draw_accounts(
        rng, per_customer, np.zeros(400, bool), folk.monthly_income, AS_OF
    )
    ledger = history.simulate(rng, accounts, folk.risk * 6, AS_OF)  # riskier: more spells
    spells = late_spells(
        st_account=ledger.st_account,
        st_due=ledger.st_due,
        st_amount=ledger.st_principal + ledger.st_interest + ledger.st_fee,
        pay_account=ledger.pay_account,
        pay_date=ledger.pay_date,
        pay_amount=ledger.pay_amount,
        pay_reversed=ledger.pay_reversed,
        as_of=AS_OF,
    )
    known = generate.Histories(ledger, len(accounts))
    found = sorted(
        zip(
            spells.account.tolist(),
            spells.start.astype(object).tolist(),
            spells.end.astype(object).tolist(),
            spells.worst_dpd.tolist(),
            strict=True,
        )
    )
    expected = []
    for account in range(len(accounts)):
        h = known[account]
        start = min(d.due_date for d in h.dues)
        began = None
        worst = 0
        for move in bucket_moves([h], start, AS_OF):
            if move.from_bucket == Bucket.CURRENT:
                began = move.on
            if began is not None:
                worst = max(worst, move.dpd)
            if move.to_bucket == Bucket.CURRENT and began is not None:
                expected.append((account, began, move.on, _worst(h, began, move.on)))
                began = None
        if began is not None:
            expected.append((account, began, None, _worst(h, began, AS_OF + timedelta(days=1))))
    assert len(found) > 50
    assert found == sorted(expected)


def _worst(h: History, start: date, end: date) -> int:
    """The most days past due in [start, end): reached on the eve of an event or at the end."""
    events = {d.due_date + timedelta(days=1) for d in h.dues}
    events |= {p.paid_on for p in h.payments}
    events |= {p.reversed_on for p in h.payments if p.reversed_on is not None}
    eves = {e - timedelta(days=1) for e in events if start < e <= end} | {end - timedelta(days=1)}
    return max(arrears(h.dues, h.payments, day).dpd for day in eves)


def test_money_is_whole_cents_and_never_negative(bank_5000) -> None:
    for column in ("principal_due", "interest_due", "fee_due", "closing_balance"):
        assert min(bank_5000["statement"][column]) >= 0
    assert min(bank_5000["payment"]["amount"]) > 0
    assert all(isinstance(v, int) for v in bank_5000["payment"]["amount"][:100])
    assert Decimal(bank_5000["payment"]["amount"][0]).scaleb(-2) > 0


def test_the_generator_runs_without_django() -> None:
    code = (
        "import sys, doorstep.demo.generate, doorstep.demo.episodes; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
