"""Small files for import tests, built in code so each test shows the rows it is about."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import openpyxl

from doorstep.portfolio.rows import national_id_check_digit

PAYMENT_HEADER = ["transaction_id", "account_id", "paid_on", "amount", "channel", "reversed_on"]
STATEMENT_HEADER = [
    "account_id",
    "statement_date",
    "due_date",
    "principal_due",
    "interest_due",
    "fee_due",
    "closing_balance",
]
ACCOUNT_HEADER = [
    "account_id",
    "customer_id",
    "branch",
    "product",
    "credit_limit",
    "principal",
    "opened_on",
    "interest_rate",
    "due_day",
    "name",
    "national_id",
    "phone",
    "monthly_income",
    "province",
    "city",
    "address",
    "latitude",
    "longitude",
]


def national_id(first17: str) -> str:
    return first17 + national_id_check_digit(first17)


WANG_FANG_ID = national_id("33010619880412052")
LI_QIANG_ID = national_id("33010619790923181")


def csv_bytes(header: Sequence[str], *rows: Sequence[object], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(header: Sequence[str], *rows: Sequence[object]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(list(header))
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def account_row(
    account_id: str = "AC-T1",
    customer_id: str = "CU-T1",
    *,
    branch: str = "XH",
    product: str = "credit_card",
    credit_limit: str = "30000.00",
    principal: str = "",
    name: str = "王芳",
    national_id: str = WANG_FANG_ID,
    phone: str = "13805710001",
    monthly_income: str = "9500.00",
    address: tuple[str, str, str, str, str] = (
        "浙江省",
        "杭州市",
        "文三路 90 号",
        "30.278100",
        "120.139200",
    ),
) -> list[str]:
    province, city, line, latitude, longitude = address
    return [
        account_id,
        customer_id,
        branch,
        product,
        credit_limit,
        principal,
        "2022-03-18",
        "18%",
        "15",
        name,
        national_id,
        phone,
        monthly_income,
        province,
        city,
        line,
        latitude,
        longitude,
    ]
