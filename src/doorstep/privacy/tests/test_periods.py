"""Retention periods (pure): never under CN-REC-01's two years, leap days, holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from doorstep.privacy.catalogue import (
    CONSENT_PURPOSES,
    PURPOSES,
    RETENTION_RULES,
    HoldKind,
    LegalBasis,
)
from doorstep.privacy.periods import Standing, add_years, due, expired, period_end

IDENTITY = RETENTION_RULES[0]


def test_a_period_never_ends_before_two_years_after_the_last_case_closed() -> None:
    short = replace(IDENTITY, years_after_close=1)

    assert period_end(date(2026, 7, 1), short) == date(2028, 7, 1)
    assert period_end(date(2026, 7, 1), replace(IDENTITY, years_after_close=5)) == date(2031, 7, 1)


def test_a_leap_day_close_ends_on_28_february() -> None:
    assert add_years(date(2028, 2, 29), 2) == date(2030, 2, 28)


def test_due_needs_the_period_over_and_no_hold() -> None:
    standing = Standing(1, date(2026, 7, 1))

    assert not expired(standing, IDENTITY, date(2028, 6, 30))
    assert due(standing, IDENTITY, date(2028, 7, 1))
    assert not due(
        replace(standing, holds=frozenset({HoldKind.LITIGATION})), IDENTITY, date(2029, 1, 1)
    )
    assert not due(Standing(2, None), IDENTITY, date(2040, 1, 1))


def test_collection_rests_on_the_contract_and_a_sale_on_separate_consent() -> None:
    bases = {purpose.code: purpose.basis for purpose in PURPOSES}

    assert bases["collection"] is LegalBasis.CONTRACT
    assert bases["record_keeping"] is LegalBasis.LEGAL_OBLIGATION
    assert bases["transfer_to_buyer"] is LegalBasis.SEPARATE_CONSENT
    assert "collection" not in CONSENT_PURPOSES
    assert {"sensitive_whereabouts", "sensitive_financial", "transfer_to_buyer"} == set(
        CONSENT_PURPOSES
    )
