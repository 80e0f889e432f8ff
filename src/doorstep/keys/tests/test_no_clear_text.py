"""Issue 11, done when: the raw database holds no personal field in clear.

The demo bank is loaded, then every text and binary column of every table is read with raw SQL
and searched for each customer's national ID, phone numbers, e-mail, address lines and income."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from doorstep.core.testing import AS_OF
from doorstep.demo.services import demo_load
from doorstep.ledger.tests.conftest import log_key
from doorstep.portfolio.models import Address, Customer, Phone

__all__ = ["log_key"]

pytestmark = pytest.mark.django_db


def personal_values() -> dict[str, str]:
    """Each value to look for, and what it is."""
    found: dict[str, str] = {}
    for customer in Customer.objects.all():
        found[customer.national_id] = "national ID"
        if customer.email:
            found[customer.email] = "e-mail"
        income = customer.monthly_income
        if income is not None:
            found[str(income)] = "income"
    for phone in Phone.objects.all():
        found[phone.number] = "phone"
    for address in Address.objects.all():
        found[address.line] = "address line"
    return found


def all_columns() -> dict[str, list[str]]:
    """Every table and its columns, from the database itself (not the models)."""
    out = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            description = connection.introspection.get_table_description(cursor, table)
            out[table] = [column.name for column in description]
    return out


def scan(values: dict[str, str]) -> tuple[int, list[str]]:
    """Values read, and ``table.column: what 'value'`` for each value found in clear."""
    pattern = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
    quote = connection.ops.quote_name
    leaks: list[str] = []
    scanned = 0
    for table, names in all_columns().items():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(table)}"  # noqa: S608
            )
            for row in cursor.fetchall():
                for name, value in zip(names, row, strict=True):
                    if not isinstance(value, str | bytes | memoryview):
                        continue  # numbers, dates, times: no text to hide anything in
                    if isinstance(value, bytes | memoryview):
                        text = bytes(value).decode("utf-8", "replace")
                    else:
                        text = str(value)
                    scanned += 1
                    hit = pattern.search(text)
                    if hit:
                        leaks.append(f"{table}.{name}: {values[hit.group()]} {hit.group()!r}")
    return scanned, leaks


def test_no_table_holds_a_national_id_phone_address_or_income_in_clear() -> None:
    demo_load(accounts=300, seed=7, as_of=AS_OF)
    values = personal_values()
    assert {"national ID", "phone", "address line", "income", "e-mail"} <= set(values.values())
    assert len(values) > 500
    scanned, leaks = scan(values)
    assert scanned > 10_000
    assert leaks == []


def test_the_scan_finds_a_value_written_in_clear_around_the_fields() -> None:
    demo_load(accounts=50, seed=7, as_of=AS_OF)
    customer = Customer.objects.order_by("pk").first()
    assert customer is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE portfolio_customer SET name = %s WHERE id = %s",
            [f"{customer.name} {customer.national_id}", customer.pk],
        )
    _, leaks = scan(personal_values())
    assert leaks == [f"portfolio_customer.name: national ID {customer.national_id!r}"]
