"""Masks for personal data shown to people who do not need the full value (PIPL Art 6)."""

from __future__ import annotations


def mask_national_id(value: str) -> str:
    """Keep the region code and the last four: ``110105********1234``."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the carrier prefix and the last four: ``138****5678``."""
    digits = value.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
