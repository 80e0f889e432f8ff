"""Collection notice letters that carry every field CN-LET-01 requires, in both languages.

Pure (no Django). The fixed texts (bank, seal, contact, legal basis, rights, how to check or
dispute) are data in ``data/letter.json``; the variable ones (name, account, balance, days past
due) come from the case. ``missing`` names any required field left empty, so a letter without
one is never sent (rules.md, CN-LET-01: name, balance, reason and legal basis, the debtor's
rights, how to check or dispute, bank contact, seal).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

TEXTS_FILE = Path(__file__).parent / "data" / "letter.json"
LANGUAGES = ("zh-hans", "en")
REQUIRED = (
    "name",
    "balance",
    "reason",
    "legal_basis",
    "rights",
    "dispute",
    "bank_contact",
    "seal",
)


@cache
def load_texts() -> Mapping[str, Any]:
    data: Mapping[str, Any] = json.loads(TEXTS_FILE.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Balance:
    principal: Decimal
    interest: Decimal
    penalty: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty


def notice(
    *,
    name: str,
    account: str,
    balance: Balance,
    dpd: int,
    as_of: date,
    texts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The letter's fields: plain values plus each text in both languages."""
    texts = texts or load_texts()
    params = {"account": account, "as_of": as_of.isoformat(), "dpd": str(dpd)}
    return {
        "name": name,
        "account": account,
        "as_of": as_of.isoformat(),
        "dpd": dpd,
        "balance": {
            "principal": f"{balance.principal:.2f}",
            "interest": f"{balance.interest:.2f}",
            "penalty": f"{balance.penalty:.2f}",
            "total": f"{balance.total:.2f}",
        },
        "bank": dict(texts["bank"]),
        "reason": {lang: texts["reason"][lang] % params for lang in LANGUAGES},
        "legal_basis": dict(texts["legal_basis"]),
        "rights": dict(texts["rights"]),
        "dispute": dict(texts["dispute"]),
        "bank_contact": dict(texts["contact"]),
        "seal": dict(texts["seal"]),
    }


def missing(fields: Mapping[str, Any]) -> list[str]:
    """The CN-LET-01 fields absent or empty (a text must be there in every language)."""
    gaps = []
    for key in REQUIRED:
        value = fields.get(key)
        if isinstance(value, Mapping):
            empty = not value or any(not str(value.get(lang, "")).strip() for lang in LANGUAGES)
            if key == "balance":
                empty = not value.get("total")
        else:
            empty = not str(value or "").strip()
        if empty:
            gaps.append(key)
    return gaps
