"""What an agency may see of a placed case: the data groups a contract can allow.

Pure: no Django. An agency user always sees the case's reference, the debtor's name, the
amounts and the ageing; the groups below only when the contract lists them. The national ID
number is never shown to an agency, and agency users never reveal personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class DataField(StrEnum):
    PHONES = "phones"  # phone numbers in full (otherwise masked)
    ADDRESSES = "addresses"
    EMPLOYMENT = "employment"  # employer and occupation
    FINANCES = "finances"  # income, assets, household, other debts
    ACCOUNT_HISTORY = "account_history"  # statements and payments
    GUARANTORS = "guarantors"


def allowed(values: Iterable[str]) -> frozenset[DataField]:
    """The known groups among ``values``; anything else is ignored, never widened."""
    known = {field.value for field in DataField}
    return frozenset(DataField(value) for value in values if value in known)


def unknown(values: Iterable[str]) -> list[str]:
    known = {field.value for field in DataField}
    return sorted({value for value in values if value not in known})
