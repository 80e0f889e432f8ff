"""The import service against the database, with the test cast's branches XH and BJ."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from doorstep.cases import delinquency
from doorstep.cases.models import Case
from doorstep.cases.services import case_open, cases_refresh
from doorstep.core.errors import DomainError
from doorstep.core.testing import make_account, make_customer
from doorstep.ledger.models import LedgerEntry
from doorstep.portfolio import importing
from doorstep.portfolio.importing import ImportReport, Outcome, RowError
from doorstep.portfolio.models import Account, Address, Customer, Payment, Phone, Statement
from doorstep.portfolio.rows import Kind
from doorstep.portfolio.selectors import histories_for
from doorstep.portfolio.tests.files import (
    ACCOUNT_HEADER,
    LI_QIANG_ID,
    PAYMENT_HEADER,
    STATEMENT_HEADER,
    WANG_FANG_ID,
    account_row,
    csv_bytes,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[4] / "docs" / "samples"


def run(
    kind: str, data: bytes, *, filename: str = "file.csv", actor=None, **options
) -> ImportReport:
    return importing.import_file(
        kind=Kind(kind), data=data, filename=filename, actor=actor, **options
    )


def counts(report: ImportReport) -> dict[str, int]:
    return {outcome.value: report.count(outcome) for outcome in Outcome}


def zhang_account(world) -> Account:
    return world.zhang_case.accounts.get()


def huang_account(world) -> Account:
    return world.huang_case.accounts.get()


# --- payments -------------------------------------------------------------------------------


def test_good_payment_rows_are_stored_beside_bad_ones_and_each_bad_row_is_reported(world) -> None:
    card = zhang_account(world).external_id
    report = run(
        "payments",
        csv_bytes(
            PAYMENT_HEADER,
            ["TX1", card, "2026-06-01", "100.00", "mobile", ""],
            ["TX2", "NO-SUCH", "2026-06-01", "100.00", "", ""],
            ["TX3", card, "2026-06-02", "-1", "", ""],
            ["TX4", card, "01/06/2026", "1,000.005", "cash", ""],
            ["TX5", card, "2026-06-03", "200", "转账", ""],
        ),
    )
    assert counts(report) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 3}
    assert report.errors == [
        RowError(
            3, "account_id", "no account with this number; import it in an accounts file first"
        ),
        RowError(4, "amount", "must not be negative"),
        RowError(5, "paid_on", "is not a date in the form YYYY-MM-DD"),
        RowError(5, "amount", "has more than 2 decimal places"),
        RowError(5, "channel", "is not one of: transfer, auto_debit, counter, mobile, third_party"),
    ]
    assert str(report.errors[0]) == (
        "line 3, account_id: no account with this number; import it in an accounts file first"
    )
    stored = Payment.objects.filter(external_id__in=["TX1", "TX5"]).order_by("external_id")
    assert [(p.amount, p.channel, p.paid_on) for p in stored] == [
        (Decimal("100.00"), "mobile", date(2026, 6, 1)),
        (Decimal("200.00"), "transfer", date(2026, 6, 3)),
    ]


def test_reimporting_the_same_payments_creates_no_duplicates(world) -> None:
    card = zhang_account(world).external_id
    data = csv_bytes(
        PAYMENT_HEADER,
        ["TX1", card, "2026-06-01", "100.00", "", ""],
        ["TX2", card, "2026-06-02", "200.00", "", ""],
    )
    assert counts(run("payments", data))["created"] == 2
    before = Payment.objects.count()
    again = run("payments", data)
    assert counts(again) == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert Payment.objects.count() == before


def test_a_payment_with_other_money_is_a_conflict_and_the_stored_amount_stays(world) -> None:
    card = zhang_account(world).external_id
    run("payments", csv_bytes(PAYMENT_HEADER, ["TX1", card, "2026-06-01", "100.00", "", ""]))
    report = run(
        "payments", csv_bytes(PAYMENT_HEADER, ["TX1", card, "2026-06-01", "150.00", "", ""])
    )
    assert report.errors == [
        RowError(
            2,
            "amount",
            "does not match the stored payment (100.00); a stored payment is never changed",
        )
    ]
    assert Payment.objects.get(external_id="TX1").amount == Decimal("100.00")


def test_a_payment_stored_for_one_account_cannot_be_claimed_by_another(world) -> None:
    run(
        "payments",
        csv_bytes(
            PAYMENT_HEADER, ["TX1", zhang_account(world).external_id, "2026-06-01", "100", "", ""]
        ),
    )
    report = run(
        "payments",
        csv_bytes(
            PAYMENT_HEADER, ["TX1", huang_account(world).external_id, "2026-06-01", "100", "", ""]
        ),
    )
    assert report.errors == [
        RowError(2, "account_id", "this transaction is stored for another account")
    ]


def test_a_payment_may_be_reversed_once(world) -> None:
    card = zhang_account(world).external_id
    run("payments", csv_bytes(PAYMENT_HEADER, ["TX1", card, "2026-06-01", "100.00", "", ""]))
    reversal = csv_bytes(PAYMENT_HEADER, ["TX1", card, "2026-06-01", "100.00", "", "2026-06-04"])
    assert counts(run("payments", reversal))["updated"] == 1
    assert counts(run("payments", reversal))["unchanged"] == 1
    other = run(
        "payments",
        csv_bytes(PAYMENT_HEADER, ["TX1", card, "2026-06-01", "100.00", "", "2026-06-09"]),
    )
    assert other.errors == [
        RowError(2, "reversed_on", "the payment was already reversed on 2026-06-04")
    ]
    assert Payment.objects.get(external_id="TX1").reversed_on == date(2026, 6, 4)


def test_a_row_without_the_reversal_leaves_a_reversed_payment_reversed(world) -> None:
    card = zhang_account(world).external_id
    original = csv_bytes(PAYMENT_HEADER, ["TX1", card, "2026-06-01", "100.00", "", ""])
    run("payments", original)
    run("payments", csv_bytes(PAYMENT_HEADER, ["TX1", card, "2026-06-01", "100", "", "2026-06-04"]))
    assert counts(run("payments", original))["unchanged"] == 1
    assert Payment.objects.get(external_id="TX1").reversed_on == date(2026, 6, 4)


def test_a_transaction_twice_in_one_file_must_say_the_same(world) -> None:
    card = zhang_account(world).external_id
    report = run(
        "payments",
        csv_bytes(
            PAYMENT_HEADER,
            ["TX1", card, "2026-06-01", "100.00", "", ""],
            ["TX1", card, "2026-06-01", "100.00", "", ""],
            ["TX1", card, "2026-06-01", "900.00", "", ""],
        ),
    )
    assert [r.outcome for r in report.results] == [
        Outcome.CREATED,
        Outcome.UNCHANGED,
        Outcome.REJECTED,
    ]
    assert report.errors == [
        RowError(4, "transaction_id", "appears again (first on line 2) with different values")
    ]


def test_payments_refresh_the_arrears_of_open_cases_they_touch(world) -> None:
    card = zhang_account(world).external_id
    report = run(
        "payments", csv_bytes(PAYMENT_HEADER, ["TX-CURE", card, "2026-06-30", "2000.00", "", ""])
    )
    assert report.cases_refreshed == 1
    case = Case.objects.get(pk=world.zhang_case.pk)
    assert (case.status, case.dpd, case.past_due) == ("closed_cured", 0, Decimal("0.00"))
    assert Case.objects.get(pk=world.huang_case.pk).arrears_as_of == date(2026, 6, 30)


def test_a_dry_run_reports_the_same_and_stores_nothing(world) -> None:
    card = zhang_account(world).external_id
    data = csv_bytes(
        PAYMENT_HEADER,
        ["TX-CURE", card, "2026-06-30", "2000.00", "", ""],
        ["TX-BAD", card, "2026-06-30", "0", "", ""],
    )
    dry = run("payments", data, dry_run=True)
    assert (dry.dry_run, dry.cases_refreshed) == (True, 0)
    assert not Payment.objects.filter(external_id="TX-CURE").exists()
    assert Case.objects.get(pk=world.zhang_case.pk).status == "active"
    real = run("payments", data)
    assert (counts(dry), dry.errors) == (counts(real), real.errors)


def test_payments_write_in_a_few_queries_per_chunk(world) -> None:
    card = zhang_account(world).external_id
    data = csv_bytes(
        PAYMENT_HEADER,
        *[[f"TX{i:05d}", card, "2026-06-01", "1.00", "", ""] for i in range(1500)],
    )
    with CaptureQueriesContext(connection) as queries:
        report = run("payments", data, dry_run=True)
    assert counts(report)["created"] == 1500
    # The branches, the account, 3 batches of 500 stored ids, and the chunk's savepoint.
    assert len(queries) == 7


# --- statements -----------------------------------------------------------------------------


def test_statements_are_keyed_by_account_and_due_date(world) -> None:
    card = zhang_account(world).external_id
    data = csv_bytes(
        STATEMENT_HEADER,
        [card, "2026-05-26", "2026-06-15", "1000.00", "", "", "20000.00"],
        [card, "2026-06-26", "2026-07-15", "1000.00", "12.50", "0", "19000.00"],
    )
    first = run("statements", data)
    assert counts(first) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert [r.key for r in first.results] == [f"{card}/2026-06-15", f"{card}/2026-07-15"]
    assert counts(run("statements", data))["unchanged"] == 2
    assert Statement.objects.filter(account__external_id=card).count() == 4


def test_a_statement_with_other_money_is_a_conflict(world) -> None:
    card = zhang_account(world).external_id
    report = run(
        "statements",
        csv_bytes(STATEMENT_HEADER, [card, "2026-03-26", "2026-04-15", "900.00", "", "", "20000"]),
    )
    assert report.errors == [
        RowError(
            2,
            "principal_due",
            "does not match the stored statement (1000.00); a stored statement is never changed",
        )
    ]
    stored = Statement.objects.get(account__external_id=card, due_date=date(2026, 4, 15))
    assert stored.principal_due == Decimal("1000.00")


def test_a_new_due_raises_the_arrears_of_the_open_case(world) -> None:
    card = zhang_account(world).external_id
    report = run(
        "statements",
        csv_bytes(STATEMENT_HEADER, [card, "2026-05-26", "2026-06-15", "1000.00", "", "", "0"]),
    )
    assert report.cases_refreshed == 1
    assert Case.objects.get(pk=world.zhang_case.pk).past_due == Decimal("3000.00")


def test_a_due_billed_late_restates_the_bucket_history_from_its_due_date(world) -> None:
    """A statement the bank missed (due 15 March, imported in the autumn) makes the debtor
    late since 16 March: the ageing recorded since then is recorded again from the data."""
    wu = make_customer("吴敏", national_id="330106198812121234", phone="13911112222")
    card = make_account(wu, world.xh, dues=[(date(2026, 4, 15), "800.00")])
    case = case_open(customer=wu, accounts=[card], as_of=date(2026, 5, 20))
    today = timezone.localdate(timezone=importing.BANK_TIME_ZONE)
    cases_refresh(case_ids=[case.pk], as_of=today)
    opened = case.bucket_changes.order_by("on", "id").first()
    assert (opened.on, opened.to_bucket) == (date(2026, 5, 20), "M2")  # 35 days late then

    run(
        "statements",
        csv_bytes(
            STATEMENT_HEADER, [card.external_id, "2026-02-24", "2026-03-15", "800.00", "", "", "0"]
        ),
    )
    after = list(
        case.bucket_changes.order_by("on", "id").values_list("on", "from_bucket", "to_bucket")
    )
    history = list(histories_for([card.pk], as_of=today).values())
    expected = delinquency.bucket_moves(history, date(2026, 5, 20), today)
    assert after[0] == (date(2026, 5, 20), "", "M3")  # 66 days late on the day it opened
    assert after[1:] == [(m.on, m.from_bucket.value, m.to_bucket.value) for m in expected]
    restated = LedgerEntry.objects.filter(kind="case.bucket_history_restated").get()
    assert case.reference in restated.data
    assert "2026-03-15" in restated.data


# --- accounts -------------------------------------------------------------------------------


def test_an_accounts_file_creates_customers_with_phone_and_home_address(world) -> None:
    report = run(
        "accounts",
        csv_bytes(
            ACCOUNT_HEADER,
            account_row("AC-T1", "CU-T1"),
            account_row("AC-T2", "CU-T1", product="个人贷款", credit_limit="", principal="5万"),
            account_row("AC-T3", "CU-T1", product="个人贷款", credit_limit="", principal="50000"),
        ),
    )
    assert counts(report) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert report.errors == [RowError(3, "principal", "is not an amount (write it like 1234.50)")]
    customer = Customer.objects.get(external_id="CU-T1")
    assert (customer.name, customer.national_id, customer.birth_date, customer.gender) == (
        "王芳",
        WANG_FANG_ID,
        date(1988, 4, 12),
        "F",
    )
    assert list(customer.phones.values_list("number", "is_primary")) == [("13805710001", True)]
    home = customer.addresses.get()
    assert (home.kind, home.line, home.latitude) == ("home", "文三路 90 号", Decimal("30.278100"))
    assert list(
        customer.accounts.order_by("external_id").values_list("product", "branch__code")
    ) == [
        ("credit_card", "XH"),
        ("personal_loan", "XH"),
    ]


def test_reimporting_the_same_accounts_changes_nothing(world) -> None:
    data = csv_bytes(ACCOUNT_HEADER, account_row("AC-T1", "CU-T1"), account_row("AC-T2", "CU-T1"))
    run("accounts", data)
    before = (Customer.objects.count(), Account.objects.count(), Phone.objects.count())
    again = run("accounts", data)
    assert counts(again) == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert (Customer.objects.count(), Account.objects.count(), Phone.objects.count()) == before


def test_changed_customer_details_update_the_customer(world) -> None:
    run("accounts", csv_bytes(ACCOUNT_HEADER, account_row()))
    report = run(
        "accounts",
        csv_bytes(
            ACCOUNT_HEADER,
            account_row(
                phone="13905710009",
                monthly_income="",
                address=("浙江省", "杭州市", "教工路 18 号", "", ""),
            ),
        ),
    )
    assert counts(report)["updated"] == 1
    customer = Customer.objects.get(external_id="CU-T1")
    assert customer.monthly_income == Decimal("9500.00")  # an empty cell keeps what is stored
    assert list(customer.phones.order_by("id").values_list("number", "is_primary")) == [
        ("13805710001", False),
        ("13905710009", True),
    ]
    home = customer.addresses.get()
    assert (home.line, home.latitude, home.longitude) == ("教工路 18 号", None, None)


def test_a_changed_limit_updates_the_account(world) -> None:
    run("accounts", csv_bytes(ACCOUNT_HEADER, account_row()))
    report = run("accounts", csv_bytes(ACCOUNT_HEADER, account_row(credit_limit="45,000")))
    assert counts(report)["updated"] == 1
    assert Account.objects.get(external_id="AC-T1").credit_limit == Decimal("45000.00")


def test_one_customer_on_two_rows_must_say_the_same(world) -> None:
    report = run(
        "accounts",
        csv_bytes(
            ACCOUNT_HEADER,
            account_row("AC-T1", "CU-T1"),
            account_row("AC-T2", "CU-T1", phone="13905710009"),
        ),
    )
    assert report.errors == [RowError(3, "phone", "differs from line 2 for the same customer")]


def test_an_account_cannot_move_to_another_customer(world) -> None:
    run("accounts", csv_bytes(ACCOUNT_HEADER, account_row("AC-T1", "CU-T1")))
    report = run(
        "accounts",
        csv_bytes(
            ACCOUNT_HEADER,
            account_row("AC-T1", "CU-T2", name="李强", national_id=LI_QIANG_ID),
        ),
    )
    assert report.errors == [
        RowError(2, "customer_id", "this account is stored under customer CU-T1")
    ]
    assert not Customer.objects.filter(external_id="CU-T2").exists()


def test_a_customer_keeps_their_national_id(world) -> None:
    run("accounts", csv_bytes(ACCOUNT_HEADER, account_row("AC-T1", "CU-T1")))
    report = run(
        "accounts",
        csv_bytes(ACCOUNT_HEADER, account_row("AC-T2", "CU-T1", national_id=LI_QIANG_ID)),
    )
    assert report.errors == [
        RowError(2, "national_id", "does not match the ID number stored for this customer")
    ]
    assert not Account.objects.filter(external_id="AC-T2").exists()


def test_a_customer_seen_in_an_earlier_chunk_gets_later_accounts(world, monkeypatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 1)
    report = run(
        "accounts",
        csv_bytes(ACCOUNT_HEADER, account_row("AC-T1", "CU-T1"), account_row("AC-T2", "CU-T1")),
    )
    assert counts(report)["created"] == 2
    assert Customer.objects.get(external_id="CU-T1").accounts.count() == 2


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_csv_from_excel_on_chinese_windows_keeps_its_chinese(world, encoding) -> None:
    data = csv_bytes(ACCOUNT_HEADER, account_row(), encoding=encoding)
    assert counts(run("accounts", data))["created"] == 1
    assert Customer.objects.get(external_id="CU-T1").name == "王芳"
    assert Address.objects.get(customer__external_id="CU-T1").city == "杭州市"


def test_an_excel_workbook_imports_like_csv(world) -> None:
    card = zhang_account(world).external_id
    data = xlsx_bytes(
        PAYMENT_HEADER,
        ["TX1", card, date(2026, 6, 1), 1234.5, "mobile", None],
        ["TX2", card, "2026-06-02", "ten", None, None],
    )
    report = run("payments", data, filename="payments.xlsx")
    assert counts(report)["created"] == 1
    assert report.errors == [RowError(3, "amount", "is not an amount (write it like 1234.50)")]
    assert Payment.objects.get(external_id="TX1").amount == Decimal("1234.50")


def test_the_sample_files_import_cleanly(world) -> None:
    for kind, name in [
        ("accounts", "accounts.csv"),
        ("accounts", "accounts.xlsx"),
        ("statements", "statements.csv"),
        ("payments", "payments.csv"),
    ]:
        report = run(kind, (SAMPLES / name).read_bytes(), filename=name)
        assert (name, report.errors) == (name, [])
    assert Account.objects.filter(external_id__startswith="AC-S").count() == 6
    sample_errors = run(
        "payments", (SAMPLES / "payments-with-errors.csv").read_bytes(), filename="e.csv"
    )
    assert counts(sample_errors) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 8}


# --- who may import, and whole-file problems ------------------------------------------------


def test_a_branch_admin_imports_only_rows_of_their_branch(world) -> None:
    report = run(
        "accounts",
        csv_bytes(
            ACCOUNT_HEADER,
            account_row("AC-T1", "CU-T1"),
            account_row("AC-T2", "CU-T2", branch="BJ", name="李强", national_id=LI_QIANG_ID),
        ),
        actor=world.branch_admin_he,
    )
    assert report.errors == [RowError(3, "branch", "you may import only rows of your branch XH")]
    assert not Account.objects.filter(external_id="AC-T2").exists()


def test_to_a_branch_admin_another_branchs_account_looks_unknown(world) -> None:
    report = run(
        "payments",
        csv_bytes(
            PAYMENT_HEADER,
            ["TX1", zhang_account(world).external_id, "2026-06-01", "100", "", ""],
            ["TX2", huang_account(world).external_id, "2026-06-01", "100", "", ""],
            ["TX3", "NO-SUCH", "2026-06-01", "100", "", ""],
        ),
        actor=world.branch_admin_he,
    )
    reason = "no account with this number at your branch XH"
    assert report.errors == [RowError(3, "account_id", reason), RowError(4, "account_id", reason)]
    stored = Payment.objects.filter(external_id__in=["TX1", "TX2", "TX3"])
    assert list(stored.values_list("external_id", flat=True)) == ["TX1"]


def test_a_branch_admin_cannot_take_over_another_branchs_account_number(world) -> None:
    row = account_row(huang_account(world).external_id, world.debtor_huang.external_id)
    report = run("accounts", csv_bytes(ACCOUNT_HEADER, row), actor=world.branch_admin_he)
    assert report.errors == [
        RowError(2, "account_id", "is already used by an account outside your branch")
    ]


def test_a_branch_admins_accounts_default_to_their_branch(world) -> None:
    header = [name for name in ACCOUNT_HEADER if name != "branch"]
    row = [
        value for name, value in zip(ACCOUNT_HEADER, account_row(), strict=True) if name != "branch"
    ]
    run("accounts", csv_bytes(header, row), actor=world.branch_admin_he)
    assert Account.objects.get(external_id="AC-T1").branch == world.xh


@pytest.mark.parametrize("name", ["agent_li", "manager_wang", "compliance_zhou", "auditor_chen"])
def test_only_admins_may_import(world, name) -> None:
    data = csv_bytes(ACCOUNT_HEADER, account_row())
    with pytest.raises(PermissionDenied):
        run("accounts", data, actor=getattr(world, name))
    assert not Account.objects.filter(external_id="AC-T1").exists()


def test_a_file_without_required_columns_is_refused_as_a_whole(world) -> None:
    data = csv_bytes(["transaction_id", "amount", "memo"], ["TX1", "100", "x"])
    with pytest.raises(DomainError) as refused:
        run("payments", data)
    assert (refused.value.code, refused.value.fields) == (
        "missing_columns",
        {"file": ["The file lacks the required columns: account_id, paid_on."]},
    )


def test_an_unknown_default_branch_is_refused(world) -> None:
    with pytest.raises(DomainError) as refused:
        run("accounts", csv_bytes(ACCOUNT_HEADER, account_row()), default_branch="HZ")
    assert (refused.value.code, refused.value.fields) == (
        "unknown_branch",
        {"branch": ["There is no branch with code “HZ”."]},
    )


def test_columns_that_are_not_imported_are_reported(world) -> None:
    card = zhang_account(world).external_id
    data = csv_bytes([*PAYMENT_HEADER, "memo"], ["TX1", card, "2026-06-01", "1", "", "", "x"])
    assert run("payments", data).ignored_columns == ["memo"]
