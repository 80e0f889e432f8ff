"""Row validation without a database: each rule and the words it uses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from doorstep.portfolio import rows
from doorstep.portfolio.models import Account, Payment
from doorstep.portfolio.rows import Context, Invalid, Kind, Problem
from doorstep.staff.models import Language

TODAY = date(2026, 6, 30)
CONTEXT = Context(today=TODAY, branches=frozenset({"XH", "BJ"}))
VALID_ID = "11010519491231002X"  # the GB 11643 worked example
EXCEL_JUNE_3 = datetime(2026, 6, 3)  # noqa: DTZ001 - Excel date cells are naive


def failure(parse, raw) -> tuple[str, dict]:
    with pytest.raises(Invalid) as invalid:
        parse(raw)
    return invalid.value.message, invalid.value.params


def test_the_check_digit_follows_iso_7064_mod_11_2() -> None:
    assert rows.national_id_check_digit("11010519491231002") == "X"
    assert rows.national_id_check_digit("33010619880412052") == "3"


def test_a_national_id_gives_birth_date_and_gender() -> None:
    person = rows.national_id(TODAY)("11010519491231002x")
    assert (person.number, person.birth_date, person.gender) == (
        VALID_ID,
        date(1949, 12, 31),
        "F",
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("110105194912310021", "check digit does not match"),
        ("11010519491331002X", "does not contain a valid birth date (characters 7–14)"),
        ("11010520990101002X", "does not contain a valid birth date (characters 7–14)"),
        ("110105491231002", "must be 18 characters: 17 digits and a check digit (0–9 or X)"),
        ("1101051949123100AX", "must be 18 characters: 17 digits and a check digit (0–9 or X)"),
        (
            3.30106198804121e17,
            "was stored as a number in Excel, which loses digits; format the column as text",
        ),
    ],
)
def test_a_bad_national_id_says_what_is_wrong(raw, message) -> None:
    assert failure(rows.national_id(TODAY), raw)[0] == message


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        (19912345678, "19912345678"),
    ],
)
def test_mobile_numbers_are_stored_as_eleven_digits(raw, number) -> None:
    assert rows.mobile(raw) == number


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "0571-88886666"])
def test_a_number_that_is_not_a_chinese_mobile_is_refused(raw) -> None:
    assert failure(rows.mobile, raw)[0] == (
        "is not a Chinese mobile number (11 digits starting with 13–19)"
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2026-06-30", date(2026, 6, 30)),
        ("2026/6/3", date(2026, 6, 3)),
        (EXCEL_JUNE_3, date(2026, 6, 3)),
        (date(2026, 6, 3), date(2026, 6, 3)),
    ],
)
def test_dates_are_read_year_first_or_from_excel_cells(raw, value) -> None:
    assert rows.day()(raw) == value


@pytest.mark.parametrize("raw", ["30/06/2026", "20260630", "2026-02-30", "yesterday"])
def test_a_date_in_another_form_is_refused(raw) -> None:
    assert failure(rows.day(), raw)[0] == "is not a date in the form YYYY-MM-DD"


def test_a_date_after_today_is_refused_where_it_must_have_happened() -> None:
    assert failure(rows.day(not_after=TODAY), "2026-07-01")[0] == "is in the future"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1234.5", Decimal("1234.50")),
        ("1,234.50", Decimal("1234.50")),
        ("1,234,567", Decimal("1234567.00")),
        ("¥88", Decimal("88.00")),
        (1234.5, Decimal("1234.50")),
        (33.339999999999996, Decimal("33.34")),  # what Excel shows for a computed cell
        (0, Decimal("0.00")),
    ],
)
def test_amounts_are_read_with_or_without_thousands_separators(raw, value) -> None:
    assert rows.money()(raw) == value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-5.00", "must not be negative"),
        ("12.345", "has more than 2 decimal places"),
        ("1.234,50", "is not an amount (write it like 1234.50)"),
        ("12,34.50", "is not an amount (write it like 1234.50)"),
        ("about 100", "is not an amount (write it like 1234.50)"),
        ("100000000000000.00", "is too large"),
    ],
)
def test_a_bad_amount_says_what_is_wrong(raw, message) -> None:
    assert failure(rows.money(), raw)[0] == message


def test_a_payment_amount_must_be_more_than_zero() -> None:
    assert failure(rows.money(positive=True), "0.00")[0] == "must be more than zero"


@pytest.mark.parametrize(
    ("raw", "value"),
    [("0.18", Decimal("0.1800")), ("18%", Decimal("0.1800")), ("18.25%", Decimal("0.1825"))],
)
def test_rates_are_fractions_or_percentages(raw, value) -> None:
    assert rows.rate(raw) == value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("18", "must be between 0 and 1 (0% and 100%)"),
        ("-1%", "must be between 0 and 1 (0% and 100%)"),
        ("18.125%", "has more than 4 decimal places as a fraction (like 0.1825)"),
        ("high", "is not a rate (write 0.18 or 18%)"),
    ],
)
def test_a_bad_rate_says_what_is_wrong(raw, message) -> None:
    assert failure(rows.rate, raw)[0] == message


def test_a_due_day_runs_from_1_to_28() -> None:
    assert rows.whole(1, 28)("28") == 28
    assert failure(rows.whole(1, 28), "31") == (
        "must be between %(low)s and %(high)s",
        {"low": 1, "high": 28},
    )
    assert failure(rows.whole(1, 28), "15.5")[0] == "is not a whole number"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("credit_card", "credit_card"), ("Credit card", "credit_card"), ("经营贷款", "business_loan")],
)
def test_products_are_codes_or_their_chinese_names(raw, code) -> None:
    assert rows.choice(rows.PRODUCTS)(raw) == code


def test_an_unknown_product_lists_the_codes() -> None:
    assert failure(rows.choice(rows.PRODUCTS), "mortgage") == (
        "is not one of: %(choices)s",
        {"choices": "credit_card, personal_loan, consumer_loan, business_loan"},
    )


def test_the_accepted_codes_are_the_models_choices() -> None:
    assert set(rows.PRODUCTS.values()) == set(Account.Product.values)
    assert set(rows.ACCOUNT_STATUSES.values()) == set(Account.Status.values)
    assert set(rows.CHANNELS.values()) == set(Payment.Channel.values)
    assert set(rows.LANGUAGES.values()) == set(Language.values)


@pytest.mark.parametrize(("raw", "code"), [("yue", "yue"), ("粤语", "yue"), ("ZH-HANS", "zh-hans")])
def test_languages_are_codes_or_their_chinese_names(raw, code) -> None:
    assert rows.choice(rows.LANGUAGES)(raw) == code


def test_e_mail_addresses_are_stored_in_lower_case_and_bad_ones_refused() -> None:
    assert rows.email(" Wang.Wei@Example.CN ") == "wang.wei@example.cn"
    for raw in ("wang.wei", "a@b", "a b@c.cn", "x@" + "y" * 250 + ".cn"):
        assert failure(rows.email, raw)[0] == "is not an e-mail address (name@example.com)"


def test_an_unknown_branch_lists_the_known_codes() -> None:
    assert rows.branch_code(frozenset({"XH", "BJ"}))("xh") == "XH"
    assert failure(rows.branch_code(frozenset({"XH", "BJ"})), "HZ") == (
        "is not a known branch code (known: %(choices)s)",
        {"choices": "BJ, XH"},
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("A 1", "may contain only letters, digits and . _ - /"),
        ("X" * 33, "is longer than %(max)d characters"),
    ],
)
def test_identifiers_are_short_and_plain(raw, message) -> None:
    assert failure(rows.identifier(32), raw)[0] == message


def test_identifiers_typed_as_numbers_in_excel_keep_their_digits() -> None:
    assert rows.identifier(32)(6222020012345678.0) == "6222020012345678"


def test_a_coordinate_out_of_range_is_refused() -> None:
    assert rows.coordinate(90)("30.2781004") == Decimal("30.278100")
    assert failure(rows.coordinate(90), "120.1") == (
        "must be between %(low)s and %(high)s",
        {"low": -90, "high": 90},
    )


ACCOUNT_HEADER = [c.name for c in rows.ACCOUNT_COLUMNS]


def account_cells(**changes: str) -> list[str]:
    values = {
        "account_id": "AC1",
        "customer_id": "CU1",
        "branch": "XH",
        "product": "credit_card",
        "credit_limit": "30000",
        "opened_on": "2022-03-18",
        "interest_rate": "18%",
        "due_day": "15",
        "name": "王芳",
        "national_id": VALID_ID,
    }
    values.update(changes)
    return [values.get(name, "") for name in ACCOUNT_HEADER]


def test_an_account_row_parses_into_account_and_customer() -> None:
    row, problems = rows.parse_account(ACCOUNT_HEADER, account_cells(), CONTEXT)
    assert problems == []
    assert (row.external_id, row.branch, row.product, row.credit_limit) == (
        "AC1",
        "XH",
        "credit_card",
        Decimal("30000.00"),
    )
    assert (row.customer.external_id, row.customer.birth_date, row.customer.address) == (
        "CU1",
        date(1949, 12, 31),
        None,
    )


def test_an_account_row_reports_every_bad_column() -> None:
    row, problems = rows.parse_account(
        ACCOUNT_HEADER,
        account_cells(credit_limit="", due_day="31", national_id="110105194912310021", name=""),
        CONTEXT,
    )
    assert row is None
    assert problems == [
        Problem("credit_limit", "is required for a credit card"),
        Problem("due_day", "must be between %(low)s and %(high)s", {"low": 1, "high": 28}),
        Problem("name", "is required"),
        Problem("national_id", "check digit does not match"),
    ]


def test_a_loan_needs_a_principal() -> None:
    _, problems = rows.parse_account(
        ACCOUNT_HEADER, account_cells(product="个人贷款", credit_limit=""), CONTEXT
    )
    assert problems == [Problem("principal", "is required for a loan")]


def test_the_default_branch_fills_an_empty_branch() -> None:
    context = Context(today=TODAY, branches=CONTEXT.branches, default_branch="BJ")
    row, _ = rows.parse_account(ACCOUNT_HEADER, account_cells(branch=""), context)
    assert row.branch == "BJ"
    _, problems = rows.parse_account(ACCOUNT_HEADER, account_cells(branch=""), CONTEXT)
    assert problems == [Problem("branch", "is required")]


def test_an_address_needs_province_city_and_street_together() -> None:
    _, problems = rows.parse_account(
        ACCOUNT_HEADER, account_cells(city="杭州市", latitude="30.2"), CONTEXT
    )
    assert problems == [
        Problem("longitude", "latitude and longitude must be given together"),
        Problem("province", "is required when an address is given"),
        Problem("address", "is required when an address is given"),
    ]


def test_coordinates_need_an_address() -> None:
    _, problems = rows.parse_account(
        ACCOUNT_HEADER, account_cells(latitude="30.2", longitude="120.1"), CONTEXT
    )
    assert problems == [Problem("address", "is required when coordinates are given")]


PAYMENT_HEADER = [c.name for c in rows.PAYMENT_COLUMNS]


def test_a_reversal_cannot_come_before_the_payment() -> None:
    _, problems = rows.parse_payment(
        PAYMENT_HEADER, ["TX1", "AC1", "2026-06-10", "100", "", "2026-06-09"], CONTEXT
    )
    assert problems == [Problem("reversed_on", "is before the payment's value date")]


def test_a_payment_cannot_be_in_the_future() -> None:
    _, problems = rows.parse_payment(
        PAYMENT_HEADER, ["TX1", "AC1", "2026-07-01", "100", "转账", ""], CONTEXT
    )
    assert problems == [Problem("paid_on", "is in the future")]


STATEMENT_HEADER = [c.name for c in rows.STATEMENT_COLUMNS]


def test_a_statement_defaults_interest_and_fees_to_zero() -> None:
    row, _ = rows.parse_statement(
        STATEMENT_HEADER, ["AC1", "2026-05-26", "2026-06-15", "600", "", "", "12000"], CONTEXT
    )
    assert (row.principal_due, row.interest_due, row.fee_due) == (
        Decimal("600.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_a_statement_date_after_the_due_date_is_refused() -> None:
    _, problems = rows.parse_statement(
        STATEMENT_HEADER, ["AC1", "2026-06-16", "2026-06-15", "600", "", "", "12000"], CONTEXT
    )
    assert problems == [Problem("statement_date", "is after the due date")]


def test_required_columns_may_leave_out_branch_when_a_default_is_given() -> None:
    header = [n for n in ACCOUNT_HEADER if n not in {"branch", "due_day"}]
    assert rows.missing_columns(Kind.ACCOUNTS, header, default_branch=False) == [
        "branch",
        "due_day",
    ]
    assert rows.missing_columns(Kind.ACCOUNTS, header, default_branch=True) == ["due_day"]


def test_columns_doorstep_does_not_read_are_named() -> None:
    header = [*PAYMENT_HEADER, "remark", "amout"]
    assert rows.ignored_columns(Kind.PAYMENTS, header) == ["remark", "amout"]
