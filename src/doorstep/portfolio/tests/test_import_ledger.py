"""What an import writes to the verifiable ledger: one entry per stored payment, reversal,
statement and account, in the chunk's transaction, and never a personal value in clear."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from doorstep.core.errors import ConflictError
from doorstep.ledger.entries import commitment, content_hash
from doorstep.ledger.models import LedgerEntry, SubjectSalt
from doorstep.ledger.selectors import current_size
from doorstep.ledger.services import ledger_erase_subject
from doorstep.portfolio import importing
from doorstep.portfolio.importing import ImportReport
from doorstep.portfolio.models import Account, Customer, Phone
from doorstep.portfolio.rows import Kind
from doorstep.portfolio.tests.files import (
    ACCOUNT_HEADER,
    LI_QIANG_ID,
    PAYMENT_HEADER,
    STATEMENT_HEADER,
    WANG_FANG_ID,
    account_row,
    csv_bytes,
)

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[4] / "docs" / "samples"


def run(kind: str, data: bytes, *, actor=None, **options) -> ImportReport:
    return importing.import_file(
        kind=Kind(kind), data=data, filename="file.csv", actor=actor, **options
    )


def entries_since(index: int, *kinds: str) -> list[dict[str, Any]]:
    """The entries appended from ``index`` on (of these kinds), as JSON, without their time."""
    found = []
    for data in LedgerEntry.objects.filter(index__gte=index).values_list("data", flat=True):
        entry = json.loads(data)
        del entry["at"]
        if not kinds or entry["kind"] in kinds:
            found.append(entry)
    return found


def zhang_card(world) -> str:
    return world.zhang_case.accounts.get().external_id


def test_new_payments_are_posted_with_the_open_case_of_their_account(world) -> None:
    run("accounts", csv_bytes(ACCOUNT_HEADER, account_row("AC-T1", "CU-T1")))
    start = current_size()
    card = zhang_card(world)
    run(
        "payments",
        csv_bytes(
            PAYMENT_HEADER,
            ["TX1", card, "2026-06-01", "100", "mobile", ""],
            ["TX2", "AC-T1", "2026-06-02", "1,234.5", "", ""],
        ),
        actor=world.admin,
    )
    assert entries_since(start, "payment.posted") == [
        {
            "actor": "admin",
            "kind": "payment.posted",
            "record": {"amount": "100.00", "channel": "mobile", "paid_on": "2026-06-01"},
            "subject": {"account": card, "case": world.zhang_case.reference, "payment": "TX1"},
            "v": 1,
        },
        {
            "actor": "admin",
            "kind": "payment.posted",
            "record": {"amount": "1234.50", "channel": "transfer", "paid_on": "2026-06-02"},
            "subject": {"account": "AC-T1", "payment": "TX2"},
            "v": 1,
        },
    ]


def test_a_reversal_is_its_own_entry_and_an_unchanged_row_appends_nothing(world) -> None:
    card = zhang_card(world)
    start = current_size()
    run(
        "payments",
        csv_bytes(
            PAYMENT_HEADER,
            ["TX1", card, "2026-06-01", "100.00", "", ""],
            ["TX2", card, "2026-06-02", "50.00", "auto_debit", "2026-06-03"],
        ),
    )
    reversal = csv_bytes(PAYMENT_HEADER, ["TX1", card, "2026-06-01", "100.00", "", "2026-06-04"])
    run("payments", reversal)
    after_reversal = current_size()
    run("payments", reversal)
    assert current_size() == after_reversal
    appended = entries_since(start, "payment.posted", "payment.reversed")
    assert [(e["kind"], e["subject"]["payment"], e["record"]) for e in appended] == [
        (
            "payment.posted",
            "TX1",
            {"amount": "100.00", "channel": "transfer", "paid_on": "2026-06-01"},
        ),
        (
            "payment.posted",
            "TX2",
            {"amount": "50.00", "channel": "auto_debit", "paid_on": "2026-06-02"},
        ),
        (
            "payment.reversed",
            "TX2",
            {"amount": "50.00", "paid_on": "2026-06-02", "reversed_on": "2026-06-03"},
        ),
        (
            "payment.reversed",
            "TX1",
            {"amount": "100.00", "paid_on": "2026-06-01", "reversed_on": "2026-06-04"},
        ),
    ]
    assert {e["actor"] for e in appended} == {"system"}


def test_a_new_statement_is_billed_in_the_ledger_and_the_same_file_again_appends_nothing(
    world,
) -> None:
    card = zhang_card(world)
    data = csv_bytes(
        STATEMENT_HEADER, [card, "2026-06-26", "2026-07-15", "1000", "12.5", "", "19000"]
    )
    start = current_size()
    run("statements", data)
    assert entries_since(start, "statement.billed") == [
        {
            "actor": "system",
            "kind": "statement.billed",
            "record": {
                "closing_balance": "19000.00",
                "due_date": "2026-07-15",
                "fee_due": "0.00",
                "interest_due": "12.50",
                "principal_due": "1000.00",
                "statement_date": "2026-06-26",
            },
            "subject": {
                "account": card,
                "case": world.zhang_case.reference,
                "due_date": "2026-07-15",
            },
            "v": 1,
        }
    ]
    again = current_size()
    run("statements", data)
    assert current_size() == again


def test_an_imported_account_is_a_hash_and_commitments_to_its_customer(world) -> None:
    start = current_size()
    run("accounts", csv_bytes(ACCOUNT_HEADER, account_row("AC-T1", "CU-T1")))
    customer = Customer.objects.get(external_id="CU-T1")
    salt = bytes(SubjectSalt.objects.get(customer_id=customer.pk).salt)
    [entry] = entries_since(start)
    assert entry == {
        "actor": "system",
        "kind": "account.imported",
        "personal": {
            "name": commitment(salt, "王芳"),
            "national_id": commitment(salt, WANG_FANG_ID),
            "phone": commitment(salt, "13805710001"),
        },
        "record": {
            "content_hash": content_hash(
                {
                    "account_id": "AC-T1",
                    "branch": "XH",
                    "credit_limit": "30000.00",
                    "currency": "CNY",
                    "due_day": 15,
                    "interest_rate": "0.1800",
                    "opened_on": "2022-03-18",
                    "principal": None,
                    "product": "credit_card",
                    "status": "open",
                    "term_months": None,
                }
            ),
            "outcome": "created",
        },
        "subject": {"account": "AC-T1", "customer": str(customer.pk)},
        "v": 1,
    }


def test_an_updated_account_names_what_changed_and_an_unchanged_one_appends_nothing(
    world,
) -> None:
    run("accounts", csv_bytes(ACCOUNT_HEADER, account_row("AC-T1", "CU-T1")))
    [created] = entries_since(current_size() - 1)
    start = current_size()
    run("accounts", csv_bytes(ACCOUNT_HEADER, account_row("AC-T1", "CU-T1")))
    assert current_size() == start
    run(
        "accounts",
        csv_bytes(
            ACCOUNT_HEADER, account_row("AC-T1", "CU-T1", credit_limit="45000", phone="13905710009")
        ),
    )
    [updated] = entries_since(start)
    assert (updated["kind"], updated["record"]["outcome"], updated["record"]["changed"]) == (
        "account.imported",
        "updated",
        ["credit_limit", "phone"],
    )
    assert updated["record"]["content_hash"] != created["record"]["content_hash"]
    assert updated["personal"]["phone"] != created["personal"]["phone"]
    assert updated["personal"]["national_id"] == created["personal"]["national_id"]


def test_dry_runs_and_rejected_rows_append_nothing(world) -> None:
    card = zhang_card(world)
    start = current_size()
    good = csv_bytes(PAYMENT_HEADER, ["TX1", card, "2026-06-01", "100.00", "", ""])
    run("payments", good, dry_run=True)
    run("accounts", csv_bytes(ACCOUNT_HEADER, account_row()), dry_run=True)
    rejected = run(
        "payments",
        csv_bytes(
            PAYMENT_HEADER,
            ["TX2", "NO-SUCH", "2026-06-01", "100.00", "", ""],
            ["TX3", card, "2026-06-01", "-5", "", ""],
        ),
    )
    assert len(rejected.errors) == 2
    assert current_size() == start


def test_a_chunk_that_fails_leaves_neither_its_rows_nor_its_entries(world, monkeypatch) -> None:
    run("accounts", csv_bytes(ACCOUNT_HEADER, account_row("AC-T1", "CU-T1")))
    erased = Customer.objects.get(external_id="CU-T1")
    ledger_erase_subject(customer_id=erased.pk)
    start = current_size()
    monkeypatch.setattr(importing, "CHUNK_ROWS", 1)
    with pytest.raises(ConflictError) as failure:
        run(
            "accounts",
            csv_bytes(
                ACCOUNT_HEADER,
                account_row("AC-T2", "CU-T2", name="李强", national_id=LI_QIANG_ID),
                # The customer's commitments can no longer be made: this chunk rolls back.
                account_row("AC-T1", "CU-T1", credit_limit="45000"),
                account_row("AC-T3", "CU-T2", name="李强", national_id=LI_QIANG_ID),
            ),
        )
    assert failure.value.code == "subject_erased"
    assert [e["subject"]["account"] for e in entries_since(start)] == ["AC-T2"]
    assert sorted(
        Account.objects.filter(external_id__startswith="AC-T").values_list(
            "external_id", "credit_limit"
        )
    ) == [
        ("AC-T1", Decimal("30000.00")),
        ("AC-T2", Decimal("30000.00")),
    ]


def test_the_sample_files_append_one_entry_per_stored_record_and_no_personal_value(
    world,
) -> None:
    start = current_size()
    reports = [
        run(kind, (SAMPLES / name).read_bytes())
        for kind, name in [
            ("accounts", "accounts.csv"),
            ("statements", "statements.csv"),
            ("payments", "payments.csv"),
        ]
    ]
    assert [r.count(importing.Outcome.CREATED) for r in reports] == [6, 36, 33]
    appended = LedgerEntry.objects.filter(index__gte=start)
    assert Counter(appended.values_list("kind", flat=True)) == {
        "account.imported": 6,
        "statement.billed": 36,
        "payment.posted": 33,
        "payment.reversed": 1,
    }
    personal = [
        *Customer.objects.values_list("national_id", flat=True),
        *Customer.objects.values_list("name", flat=True),
        *Phone.objects.values_list("number", flat=True),
    ]
    assert len(personal) > 20
    every_entry = list(LedgerEntry.objects.values_list("data", flat=True))
    assert [value for value in personal for data in every_entry if value in data] == []
