"""The monthly credit-bureau reporting file: its columns, status codes, rendering and parsing.

Pure (no Django). The layout is documented in docs/bureau.md and versioned by ``LAYOUT``.
The file is UTF-8 CSV (RFC 4180, ``\\r\\n`` line ends, every field quoted only when needed):

- one header line ``H,<layout>,<bank code>,<report month>,<as-of date>,<generated at>``;
- the column-names line;
- one ``D`` row per reported account (delinquent during the month, or closed in it);
- one ``C`` row per correction of an earlier month (an upheld dispute): the whole row for that
  account and month as it should have been;
- one trailer ``T,<D rows>,<C rows>,<sum of overdue amounts of the D rows>``.

Amounts are yuan with two decimals and no thousands separator; dates ISO ``YYYY-MM-DD``;
empty means "none".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

LAYOUT = "DSB1"

COLUMNS: tuple[str, ...] = (
    "record_type",  # D data, C correction
    "report_month",  # YYYY-MM the row describes
    "bank_code",
    "account_number",
    "product",  # credit_card, personal_loan, consumer_loan, business_loan
    "currency",
    "opened_on",
    "credit_limit",
    "principal",
    "customer_number",
    "name",
    "id_type",  # 01 resident identity card
    "id_number",
    "case_reference",
    "case_status",  # new, active, promised, in_plan, legal, closed_cured, closed_settled, ...
    "account_status",  # open, closed, charged_off
    "bureau_status",  # see STATUS_CODES
    "dpd",
    "bucket",
    "overdue_amount",
    "unpaid_principal",
    "unpaid_interest",
    "unpaid_fees",
    "balance",  # the last statement's closing balance on or before the as-of date
    "plan_status",  # the case's newest plan: active, completed, broken… or empty
    "legal_status",  # the case's newest legal matter: filed, decided, enforcement… or empty
    "closed_on",
)

# The one-letter account state the bureau reads, most serious first.
STATUS_CODES = {
    "T": "transferred (debt sold; the buyer reports it from then on)",
    "W": "written off",
    "L": "in legal proceedings",
    "S": "settled",
    "C": "cured (nothing past due)",
    "P": "in a repayment plan",
    "D": "delinquent",
}


def bureau_status(*, case_status: str, account_status: str) -> str:
    """The bureau state of an account from the case's and the account's status."""
    if case_status == "closed_sold" or account_status == "sold":
        return "T"
    if case_status == "closed_written_off" or account_status == "charged_off":
        return "W"
    if case_status == "legal":
        return "L"
    if case_status == "closed_settled":
        return "S"
    if case_status == "closed_cured":
        return "C"
    if case_status == "in_plan":
        return "P"
    return "D"


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


@dataclass(frozen=True)
class Header:
    bank_code: str
    month: str
    as_of: date
    generated_at: str


@dataclass(frozen=True)
class ReportFile:
    header: Header
    rows: list[dict[str, str]]
    trailer: tuple[int, int, Decimal]

    @property
    def data(self) -> list[dict[str, str]]:
        return [row for row in self.rows if row["record_type"] == "D"]

    @property
    def corrections(self) -> list[dict[str, str]]:
        return [row for row in self.rows if row["record_type"] == "C"]


class LayoutError(ValueError):
    pass


def render(header: Header, rows: Sequence[Mapping[str, str]]) -> str:
    """The file's text. ``rows`` must have every column; D rows come before C rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["H", LAYOUT, header.bank_code, header.month, day(header.as_of), header.generated_at]
    )
    writer.writerow(COLUMNS)
    ordered = sorted(
        rows, key=lambda r: (r["record_type"] != "D", r["report_month"], r["account_number"])
    )
    for row in ordered:
        missing = [column for column in COLUMNS if column not in row]
        if missing:
            raise LayoutError(f"row lacks {missing}")
        writer.writerow([row[column] for column in COLUMNS])
    data = [row for row in ordered if row["record_type"] == "D"]
    total = sum((Decimal(row["overdue_amount"] or "0") for row in data), Decimal("0.00"))
    writer.writerow(["T", len(data), len(ordered) - len(data), money(total)])
    return out.getvalue()


def parse(text: str) -> ReportFile:
    """Read a file back, checking the header, the columns and the trailer's counts and sum."""
    lines = list(csv.reader(io.StringIO(text, newline="")))
    if len(lines) < 3 or lines[0][:2] != ["H", LAYOUT]:
        raise LayoutError("not a DSB1 file")
    if tuple(lines[1]) != COLUMNS:
        raise LayoutError("unexpected columns")
    head = lines[0]
    header = Header(head[2], head[3], date.fromisoformat(head[4]), head[5])
    rows = [dict(zip(COLUMNS, line, strict=True)) for line in lines[2:-1]]
    tail = lines[-1]
    if tail[0] != "T":
        raise LayoutError("no trailer")
    trailer = (int(tail[1]), int(tail[2]), Decimal(tail[3]))
    parsed = ReportFile(header, rows, trailer)
    total = sum((Decimal(r["overdue_amount"] or "0") for r in parsed.data), Decimal("0.00"))
    if trailer != (len(parsed.data), len(parsed.corrections), total):
        raise LayoutError("trailer does not match the rows")
    return parsed


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of ``YYYY-MM``."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except (ValueError, TypeError):
        raise LayoutError(f"{month!r} is not a month (YYYY-MM)") from None
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def corrected(row: Mapping[str, str], changes: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The C row: ``row`` as it should have been, with ``changes`` (column, value) applied."""
    fixed = {**row, "record_type": "C"}
    for column, value in changes:
        if column not in COLUMNS or column in ("record_type", "report_month", "account_number"):
            raise LayoutError(f"{column!r} cannot be corrected")
        fixed[column] = value
    return fixed
