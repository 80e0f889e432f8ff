"""Privacy tests: English messages, a fixed ledger signing key, times in Shanghai, and a way
to close a case on a given day (the cases app's own guards are not what these tests prove)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from doorstep_verify.note import Signer

from doorstep.cases.models import Case

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    signer = Signer.from_seed(settings.LEDGER_ORIGIN, bytes(range(32)))
    settings.LEDGER_SIGNING_KEY = signer.skey()
    settings.LEDGER_RETIRED_KEYS = []
    settings.LEDGER_DEV_KEY_FILE = tmp_path / "ledger-signing.key"


def close_case(case: Case, when: datetime, status: str = "closed_settled") -> None:
    Case.objects.filter(pk=case.pk).update(status=status, closed_at=when)


@pytest.fixture
def notice(world):  # type: ignore[no-untyped-def]
    """Version 1 of the privacy notice, in force since 2026."""
    from doorstep.privacy.services import notice_publish

    return notice_publish(
        text_zh="我行为催收目的处理您的个人信息……",
        text_en="We process your personal information to collect the debt…",
        actor=world.user("compliance_zhou"),
        effective_from=at(2026, 1, 1, 0, 0),
    )
