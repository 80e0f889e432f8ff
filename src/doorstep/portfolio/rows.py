"""Parse and validate one row of an accounts, payments or statements file.

Pure (no Django): a row of raw cells becomes a typed row or a list of ``Problem``, one per bad
column, each naming the column and saying what is wrong in words a bank clerk can act on. The
messages are ``gettext_noop`` constants; the import service translates them and tests assert
them exactly. Whether a key already exists, or belongs to the importer's branch, needs the
database and is decided in ``importing``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from doorstep.core.i18n import gettext_noop
from doorstep.portfolio.tables import Cell

T = TypeVar("T")


class Kind(StrEnum):
    ACCOUNTS = "accounts"
    PAYMENTS = "payments"
    STATEMENTS = "statements"


REQUIRED = gettext_noop("is required")
TOO_LONG = gettext_noop("is longer than %(max)d characters")
ID_CHARACTERS = gettext_noop("may contain only letters, digits and . _ - /")
NATIONAL_ID_FORM = gettext_noop("must be 18 characters: 17 digits and a check digit (0–9 or X)")
NATIONAL_ID_BIRTH = gettext_noop("does not contain a valid birth date (characters 7–14)")
NATIONAL_ID_CHECK = gettext_noop("check digit does not match")
NATIONAL_ID_NUMBER = gettext_noop(
    "was stored as a number in Excel, which loses digits; format the column as text"
)
MOBILE = gettext_noop("is not a Chinese mobile number (11 digits starting with 13–19)")
EMAIL = gettext_noop("is not an e-mail address (name@example.com)")
DATE_FORM = gettext_noop("is not a date in the form YYYY-MM-DD")
DATE_FUTURE = gettext_noop("is in the future")
MONEY_FORM = gettext_noop("is not an amount (write it like 1234.50)")
MONEY_NEGATIVE = gettext_noop("must not be negative")
MONEY_ZERO = gettext_noop("must be more than zero")
MONEY_PLACES = gettext_noop("has more than 2 decimal places")
MONEY_TOO_LARGE = gettext_noop("is too large")
RATE_FORM = gettext_noop("is not a rate (write 0.18 or 18%)")
RATE_RANGE = gettext_noop("must be between 0 and 1 (0% and 100%)")
RATE_PLACES = gettext_noop("has more than 4 decimal places as a fraction (like 0.1825)")
WHOLE_NUMBER = gettext_noop("is not a whole number")
NUMBER = gettext_noop("is not a number")
RANGE = gettext_noop("must be between %(low)s and %(high)s")
CHOICE = gettext_noop("is not one of: %(choices)s")
BRANCH_UNKNOWN = gettext_noop("is not a known branch code (known: %(choices)s)")
LIMIT_FOR_CARD = gettext_noop("is required for a credit card")
PRINCIPAL_FOR_LOAN = gettext_noop("is required for a loan")
ADDRESS_PART = gettext_noop("is required when an address is given")
COORDINATE_PAIR = gettext_noop("latitude and longitude must be given together")
ADDRESS_FOR_COORDINATES = gettext_noop("is required when coordinates are given")
REVERSED_BEFORE_PAID = gettext_noop("is before the payment's value date")
STATEMENT_AFTER_DUE = gettext_noop("is after the due date")

MONEY_MAX = Decimal("99999999999999.99")  # 16 digits with 2 places, as ``core.fields.money``
CENT = Decimal("0.01")

# Codes as in ``Account.Product``, ``Account.Status`` and ``Payment.Channel`` (a test keeps
# them equal), plus the Chinese names the bank's own exports use.
LANGUAGES = {
    "zh_hans": "zh-hans",
    "yue": "yue",
    "wuu": "wuu",
    "nan": "nan",
    "ug": "ug",
    "bo": "bo",
    "mn": "mn",
    "en": "en",
    "普通话": "zh-hans",
    "粤语": "yue",
    "吴语": "wuu",
    "上海话": "wuu",
    "闽南语": "nan",
    "维吾尔语": "ug",
    "藏语": "bo",
    "蒙古语": "mn",
    "英语": "en",
}
PRODUCTS = {
    "credit_card": "credit_card",
    "personal_loan": "personal_loan",
    "consumer_loan": "consumer_loan",
    "business_loan": "business_loan",
    "信用卡": "credit_card",
    "个人贷款": "personal_loan",
    "消费贷款": "consumer_loan",
    "经营贷款": "business_loan",
}
ACCOUNT_STATUSES = {
    "open": "open",
    "closed": "closed",
    "charged_off": "charged_off",
    "正常": "open",
    "已结清": "closed",
    "结清": "closed",
    "已核销": "charged_off",
    "核销": "charged_off",
    "sold": "sold",
    "已转让": "sold",
    "已出售": "sold",
}
CHANNELS = {
    "transfer": "transfer",
    "auto_debit": "auto_debit",
    "counter": "counter",
    "mobile": "mobile",
    "third_party": "third_party",
    "转账": "transfer",
    "自动扣款": "auto_debit",
    "柜面": "counter",
    "手机银行": "mobile",
    "第三方支付": "third_party",
}
CURRENCIES = {"cny": "CNY", "rmb": "CNY", "人民币": "CNY"}
CARD_PRODUCTS = frozenset({"credit_card"})


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False


ACCOUNT_COLUMNS = (
    Column("account_id", required=True),
    Column("customer_id", required=True),
    Column("branch", required=True),
    Column("product", required=True),
    Column("currency"),
    Column("credit_limit"),
    Column("principal"),
    Column("term_months"),
    Column("opened_on", required=True),
    Column("interest_rate", required=True),
    Column("due_day", required=True),
    Column("status"),
    Column("name", required=True),
    Column("national_id", required=True),
    Column("phone"),
    Column("email"),
    Column("language"),
    Column("employer"),
    Column("occupation"),
    Column("monthly_income"),
    Column("assets_value"),
    Column("assets_description"),
    Column("household_size"),
    Column("dependants"),
    Column("other_debts_declared"),
    Column("province"),
    Column("city"),
    Column("district"),
    Column("address"),
    Column("postcode"),
    Column("latitude"),
    Column("longitude"),
)
PAYMENT_COLUMNS = (
    Column("transaction_id", required=True),
    Column("account_id", required=True),
    Column("paid_on", required=True),
    Column("amount", required=True),
    Column("channel"),
    Column("reversed_on"),
)
STATEMENT_COLUMNS = (
    Column("account_id", required=True),
    Column("statement_date", required=True),
    Column("due_date", required=True),
    Column("principal_due", required=True),
    Column("interest_due"),
    Column("fee_due"),
    Column("closing_balance", required=True),
)
COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.ACCOUNTS: ACCOUNT_COLUMNS,
    Kind.PAYMENTS: PAYMENT_COLUMNS,
    Kind.STATEMENTS: STATEMENT_COLUMNS,
}


def missing_columns(kind: Kind, header: Sequence[str], *, default_branch: bool) -> list[str]:
    """Required columns the header lacks; ``branch`` may be left out when a default is given."""
    optional = {"branch"} if default_branch else set()
    return [
        c.name
        for c in COLUMNS[kind]
        if c.required and c.name not in header and c.name not in optional
    ]


def ignored_columns(kind: Kind, header: Sequence[str]) -> list[str]:
    """Columns in the file that Doorstep does not read (a typo here would lose data quietly)."""
    known = {c.name for c in COLUMNS[kind]}
    return [name for name in header if name and name not in known]


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class Invalid(ValueError):
    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Context:
    """What row validation needs to know beyond the row: the date and the branch codes."""

    today: date
    branches: frozenset[str]
    default_branch: str | None = None


# --- cell parsers: each takes a non-blank cell and returns a value or raises Invalid ---------


def is_blank(raw: Cell) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _text_of(raw: Cell) -> str:
    """A cell as the user typed it; Excel stores 12345 as a float 12345.0."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, float):
        return format(raw, ".15g")  # the 15 significant digits Excel shows
    return str(raw).strip()


@functools.cache
def text(max_length: int) -> Callable[[Cell], str]:
    def parse(raw: Cell) -> str:
        value = " ".join(_text_of(raw).split())
        if len(value) > max_length:
            raise Invalid(TOO_LONG, max=max_length)
        return value

    return parse


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


@functools.cache
def identifier(max_length: int) -> Callable[[Cell], str]:
    def parse(raw: Cell) -> str:
        value = _text_of(raw)
        if len(value) > max_length:
            raise Invalid(TOO_LONG, max=max_length)
        if not _ID.fullmatch(value):
            raise Invalid(ID_CHARACTERS)
        return value

    return parse


_NATIONAL_ID = re.compile(r"\d{17}[\dX]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def national_id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2, as GB 11643 defines the last character of the ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


@dataclass(frozen=True)
class NationalId:
    number: str
    birth_date: date
    gender: str  # "M" or "F", from the parity of the 17th digit


@functools.cache
def national_id(today: date) -> Callable[[Cell], NationalId]:
    def parse(raw: Cell) -> NationalId:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raise Invalid(NATIONAL_ID_NUMBER)
        value = _text_of(raw).upper()
        if not _NATIONAL_ID.fullmatch(value):
            raise Invalid(NATIONAL_ID_FORM)
        try:
            born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        except ValueError:
            raise Invalid(NATIONAL_ID_BIRTH) from None
        if born.year < 1900 or born > today:
            raise Invalid(NATIONAL_ID_BIRTH)
        if national_id_check_digit(value[:17]) != value[17]:
            raise Invalid(NATIONAL_ID_CHECK)
        return NationalId(value, born, "M" if int(value[16]) % 2 else "F")

    return parse


_MOBILE = re.compile(r"1[3-9]\d{9}")


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def email(raw: Cell) -> str:
    """An address of the usual shape, stored in lower case (no mailbox is contacted here)."""
    value = _text_of(raw).strip().lower()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise Invalid(EMAIL)
    return value


def mobile(raw: Cell) -> str:
    """``+86 138-1234-5678`` is stored as ``13812345678``."""
    value = re.sub(r"[\s()-]", "", _text_of(raw))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if not _MOBILE.fullmatch(value):
        raise Invalid(MOBILE)
    return value


_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


@functools.cache
def day(*, not_after: date | None = None) -> Callable[[Cell], date]:
    """YYYY-MM-DD (or YYYY/M/D, as Excel on Chinese Windows writes it), or an Excel date cell."""

    def parse(raw: Cell) -> date:
        if isinstance(raw, datetime):
            value = raw.date()
        elif isinstance(raw, date):
            value = raw
        else:
            match = _DATE.fullmatch(_text_of(raw))
            if match is None:
                raise Invalid(DATE_FORM)
            try:
                value = date(*(int(part) for part in match.groups()))
            except ValueError:
                raise Invalid(DATE_FORM) from None
        if not_after is not None and value > not_after:
            raise Invalid(DATE_FUTURE)
        return value

    return parse


_PLAIN_NUMBER = re.compile(r"\d+(\.\d+)?|\.\d+")
_GROUPED_NUMBER = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")


def _decimal(raw: Cell, invalid: str) -> Decimal:
    """A non-negative or negative decimal as typed: ``1234.50``, ``1,234.50``, ``-3``."""
    if isinstance(raw, bool | date | time):
        raise Invalid(invalid)
    value = _text_of(raw).lstrip("¥￥").strip()
    sign = ""
    if value[:1] in ("+", "-"):
        sign, value = value[0], value[1:].strip()
    if _GROUPED_NUMBER.fullmatch(value):
        value = value.replace(",", "")
    elif not _PLAIN_NUMBER.fullmatch(value):
        raise Invalid(invalid)
    try:
        return Decimal(sign + value)
    except InvalidOperation:
        raise Invalid(invalid) from None


@functools.cache
def money(*, positive: bool = False) -> Callable[[Cell], Decimal]:
    """At most 2 decimal places and never negative; ``positive`` also refuses zero."""

    def parse(raw: Cell) -> Decimal:
        value = _decimal(raw, MONEY_FORM)
        if value < 0:
            raise Invalid(MONEY_NEGATIVE)
        if positive and value == 0:
            raise Invalid(MONEY_ZERO)
        if value != value.quantize(CENT):
            raise Invalid(MONEY_PLACES)
        if value > MONEY_MAX:
            raise Invalid(MONEY_TOO_LARGE)
        return value.quantize(CENT)

    return parse


def rate(raw: Cell) -> Decimal:
    """An annual rate as a fraction: ``0.18`` or ``18%``."""
    text_value = _text_of(raw)
    percent = text_value.endswith(("%", "％"))
    value = _decimal(text_value[:-1] if percent else text_value, RATE_FORM)
    if percent:
        value /= 100
    if not 0 <= value <= 1:
        raise Invalid(RATE_RANGE)
    if value != value.quantize(Decimal("0.0001")):
        raise Invalid(RATE_PLACES)
    return value.quantize(Decimal("0.0001"))


@functools.cache
def whole(low: int, high: int) -> Callable[[Cell], int]:
    def parse(raw: Cell) -> int:
        if isinstance(raw, bool):
            raise Invalid(WHOLE_NUMBER)
        value = _text_of(raw)
        if not re.fullmatch(r"[+-]?\d+", value):
            raise Invalid(WHOLE_NUMBER)
        number = int(value)
        if not low <= number <= high:
            raise Invalid(RANGE, low=low, high=high)
        return number

    return parse


@functools.cache
def coordinate(limit: int) -> Callable[[Cell], Decimal]:
    """Degrees within ±``limit``, kept to 6 decimal places (about 10 cm)."""

    def parse(raw: Cell) -> Decimal:
        value = _decimal(raw, NUMBER)
        if not -limit <= value <= limit:
            raise Invalid(RANGE, low=-limit, high=limit)
        return value.quantize(Decimal("0.000001"))

    return parse


def choice(aliases: Mapping[str, str]) -> Callable[[Cell], str]:
    """A code, accepted in any case, with spaces for underscores, or by its Chinese name."""

    def parse(raw: Cell) -> str:
        key = "_".join(_text_of(raw).lower().replace("-", " ").split())
        if key not in aliases:
            codes = sorted(set(aliases.values()), key=list(aliases.values()).index)
            raise Invalid(CHOICE, choices=", ".join(codes))
        return aliases[key]

    return parse


@functools.cache
def branch_code(branches: frozenset[str]) -> Callable[[Cell], str]:
    by_upper = {code.upper(): code for code in branches}

    def parse(raw: Cell) -> str:
        value = _text_of(raw).upper()
        if value not in by_upper:
            raise Invalid(BRANCH_UNKNOWN, choices=", ".join(sorted(branches)))
        return by_upper[value]

    return parse


# Built once: the parsers above are made per column, and rows are many.
_product = choice(PRODUCTS)
_language = choice(LANGUAGES)
_account_status = choice(ACCOUNT_STATUSES)
_channel = choice(CHANNELS)
_currency = choice(CURRENCIES)


# --- rows -------------------------------------------------------------------------------------


_DECLARED = {kind: frozenset(c.name for c in columns) for kind, columns in COLUMNS.items()}


class _Reader:
    """Reads the named columns of one row, collecting a Problem for each bad one."""

    def __init__(self, kind: Kind, header: Sequence[str], cells: Sequence[Cell]) -> None:
        self.columns = _DECLARED[kind]
        self.values = dict(zip(header, cells, strict=False))
        self.problems: list[Problem] = []

    def get(self, name: str, parse: Callable[[Cell], T], *, required: bool = False) -> T | None:
        if name not in self.columns:
            raise KeyError(f"{name} is not a declared column")
        raw = self.values.get(name)
        if is_blank(raw):
            if required:
                self.problems.append(Problem(name, REQUIRED))
            return None
        try:
            return parse(raw)
        except Invalid as invalid:
            self.problems.append(Problem(name, invalid.message, invalid.params))
            return None

    def has(self, name: str) -> bool:
        """Whether the cell holds anything (valid or not)."""
        return not is_blank(self.values.get(name))

    def add(self, name: str, message: str) -> None:
        self.problems.append(Problem(name, message))


def _known(value: T | None) -> T:
    """A required value once the reader found no problem, which means it is present."""
    if value is None:
        raise ValueError("a required value is missing although no problem was recorded")
    return value


def raw_key(kind: Kind, header: Sequence[str], cells: Sequence[Cell]) -> str:
    """The row's key as written, to name a row in the report even when it does not parse."""
    values = dict(zip(header, cells, strict=False))
    names = {
        Kind.ACCOUNTS: ("account_id",),
        Kind.PAYMENTS: ("transaction_id",),
        Kind.STATEMENTS: ("account_id", "due_date"),
    }[kind]
    parts = [values.get(n) for n in names]
    return "/".join("" if is_blank(p) else _text_of(p) for p in parts)


@dataclass(frozen=True)
class AddressRow:
    province: str
    city: str
    district: str | None
    line: str
    postcode: str | None
    latitude: Decimal | None
    longitude: Decimal | None


@dataclass(frozen=True)
class CustomerRow:
    """Customer columns of an accounts row. ``None`` means the file says nothing about it."""

    external_id: str
    name: str
    national_id: str
    birth_date: date
    gender: str
    phone: str | None
    email: str | None
    preferred_language: str | None
    employer: str | None
    occupation: str | None
    monthly_income: Decimal | None
    assets_value: Decimal | None
    assets_description: str | None
    household_size: int | None
    dependants: int | None
    other_debts_declared: Decimal | None
    address: AddressRow | None


@dataclass(frozen=True)
class AccountRow:
    external_id: str
    customer: CustomerRow
    branch: str
    product: str
    currency: str
    credit_limit: Decimal | None
    principal: Decimal | None
    term_months: int | None
    opened_on: date
    interest_rate: Decimal
    due_day: int
    status: str | None


@dataclass(frozen=True)
class PaymentRow:
    external_id: str
    account_id: str
    paid_on: date
    amount: Decimal
    channel: str | None
    reversed_on: date | None


@dataclass(frozen=True)
class StatementRow:
    account_id: str
    statement_date: date
    due_date: date
    principal_due: Decimal
    interest_due: Decimal
    fee_due: Decimal
    closing_balance: Decimal


Parsed = tuple[T | None, list[Problem]]


def _address(r: _Reader) -> AddressRow | None:
    """The home address: province, city and street address together, or none of it."""
    province = r.get("province", text(30))
    city = r.get("city", text(30))
    district = r.get("district", text(30))
    line = r.get("address", text(200))
    postcode = r.get("postcode", text(10))
    latitude = r.get("latitude", coordinate(90))
    longitude = r.get("longitude", coordinate(180))
    if r.has("latitude") != r.has("longitude"):
        r.add("longitude" if r.has("latitude") else "latitude", COORDINATE_PAIR)
    if not any(r.has(name) for name in ("province", "city", "district", "address", "postcode")):
        if r.has("latitude") or r.has("longitude"):
            r.add("address", ADDRESS_FOR_COORDINATES)
        return None
    for name in ("province", "city", "address"):
        if not r.has(name):
            r.add(name, ADDRESS_PART)
    if province is None or city is None or line is None:
        return None
    return AddressRow(province, city, district, line, postcode, latitude, longitude)


def _customer(r: _Reader, context: Context) -> CustomerRow | None:
    external_id = r.get("customer_id", identifier(32), required=True)
    name = r.get("name", text(60), required=True)
    person = r.get("national_id", national_id(context.today), required=True)
    phone = r.get("phone", mobile)
    email_address = r.get("email", email)
    language = r.get("language", _language)
    employer = r.get("employer", text(100))
    occupation = r.get("occupation", text(60))
    monthly_income = r.get("monthly_income", money())
    assets_value = r.get("assets_value", money())
    assets_description = r.get("assets_description", text(200))
    household_size = r.get("household_size", whole(1, 50))
    dependants = r.get("dependants", whole(0, 50))
    other_debts_declared = r.get("other_debts_declared", money())
    address = _address(r)
    if r.problems:
        return None
    person = _known(person)
    return CustomerRow(
        external_id=_known(external_id),
        name=_known(name),
        national_id=person.number,
        birth_date=person.birth_date,
        gender=person.gender,
        phone=phone,
        email=email_address,
        preferred_language=language,
        employer=employer,
        occupation=occupation,
        monthly_income=monthly_income,
        assets_value=assets_value,
        assets_description=assets_description,
        household_size=household_size,
        dependants=dependants,
        other_debts_declared=other_debts_declared,
        address=address,
    )


def parse_account(
    header: Sequence[str], cells: Sequence[Cell], context: Context
) -> Parsed[AccountRow]:
    r = _Reader(Kind.ACCOUNTS, header, cells)
    external_id = r.get("account_id", identifier(32), required=True)
    branch = r.get("branch", branch_code(context.branches))
    if not r.has("branch"):
        branch = context.default_branch
        if branch is None:
            r.add("branch", REQUIRED)
    product = r.get("product", _product, required=True)
    currency = r.get("currency", _currency) or "CNY"
    credit_limit = r.get("credit_limit", money())
    principal = r.get("principal", money())
    if product in CARD_PRODUCTS and not r.has("credit_limit"):
        r.add("credit_limit", LIMIT_FOR_CARD)
    if product is not None and product not in CARD_PRODUCTS and not r.has("principal"):
        r.add("principal", PRINCIPAL_FOR_LOAN)
    term_months = r.get("term_months", whole(1, 600))
    opened_on = r.get("opened_on", day(not_after=context.today), required=True)
    interest_rate = r.get("interest_rate", rate, required=True)
    due_day = r.get("due_day", whole(1, 28), required=True)
    status = r.get("status", _account_status)
    customer = _customer(r, context)
    if r.problems:
        return None, r.problems
    return AccountRow(
        external_id=_known(external_id),
        customer=_known(customer),
        branch=_known(branch),
        product=_known(product),
        currency=currency,
        credit_limit=credit_limit,
        principal=principal,
        term_months=term_months,
        opened_on=_known(opened_on),
        interest_rate=_known(interest_rate),
        due_day=_known(due_day),
        status=status,
    ), []


def parse_payment(
    header: Sequence[str], cells: Sequence[Cell], context: Context
) -> Parsed[PaymentRow]:
    r = _Reader(Kind.PAYMENTS, header, cells)
    external_id = r.get("transaction_id", identifier(40), required=True)
    account_id = r.get("account_id", identifier(32), required=True)
    paid_on = r.get("paid_on", day(not_after=context.today), required=True)
    amount = r.get("amount", money(positive=True), required=True)
    channel = r.get("channel", _channel)
    reversed_on = r.get("reversed_on", day(not_after=context.today))
    if paid_on is not None and reversed_on is not None and reversed_on < paid_on:
        r.add("reversed_on", REVERSED_BEFORE_PAID)
    if r.problems:
        return None, r.problems
    return PaymentRow(
        external_id=_known(external_id),
        account_id=_known(account_id),
        paid_on=_known(paid_on),
        amount=_known(amount),
        channel=channel,
        reversed_on=reversed_on,
    ), []


def parse_statement(
    header: Sequence[str], cells: Sequence[Cell], context: Context
) -> Parsed[StatementRow]:
    r = _Reader(Kind.STATEMENTS, header, cells)
    account_id = r.get("account_id", identifier(32), required=True)
    statement_date = r.get("statement_date", day(), required=True)
    due_date = r.get("due_date", day(), required=True)
    if statement_date is not None and due_date is not None and statement_date > due_date:
        r.add("statement_date", STATEMENT_AFTER_DUE)
    principal_due = r.get("principal_due", money(), required=True)
    interest_due = r.get("interest_due", money())
    fee_due = r.get("fee_due", money())
    closing_balance = r.get("closing_balance", money(), required=True)
    if r.problems:
        return None, r.problems
    return StatementRow(
        account_id=_known(account_id),
        statement_date=_known(statement_date),
        due_date=_known(due_date),
        principal_due=_known(principal_due),
        interest_due=interest_due if interest_due is not None else Decimal("0.00"),
        fee_due=fee_due if fee_due is not None else Decimal("0.00"),
        closing_balance=_known(closing_balance),
    ), []
