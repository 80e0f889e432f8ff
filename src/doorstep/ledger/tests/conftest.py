"""The ledger's test keys and a few ways to fill the log.

``log_key`` signs checkpoints in every ledger test (a fixed seed, so failures reproduce);
``regulator`` is a witness. Entries are appended through the one service, as the apps do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from doorstep_verify.cosignature import Cosigner
from doorstep_verify.note import Signer

from doorstep.ledger.selectors import current_size
from doorstep.ledger.services import LedgerEvent, ledger_append_many


@pytest.fixture(autouse=True)
def log_key(settings, tmp_path) -> Signer:  # type: ignore[no-untyped-def]
    signer = Signer.from_seed(settings.LEDGER_ORIGIN, bytes(range(32)))
    settings.LEDGER_SIGNING_KEY = signer.skey()
    settings.LEDGER_RETIRED_KEYS = []
    settings.LEDGER_DEV_KEY_FILE = tmp_path / "ledger-signing.key"
    settings.LANGUAGE_CODE = "en"
    return signer


@pytest.fixture
def regulator() -> Cosigner:
    return Cosigner.from_seed("witness.regulator.example/w1", bytes(range(50, 82)))


def payment_events(
    count: int, *, start: int = 0, case: str = "C260416-0000001"
) -> list[LedgerEvent]:
    """``count`` payments posted on ``case``, numbered from ``start``."""
    return [
        LedgerEvent(
            kind="payment.posted",
            actor="system",
            subject={"case": case, "payment": n},
            record={"amount": f"{100 + n}.00", "transaction": f"TX{n:012d}"},
        )
        for n in range(start, start + count)
    ]


@pytest.fixture
def fill() -> Callable[..., range]:
    """Appends ``count`` payment entries in one transaction; returns their indexes."""

    def append(count: int, **kwargs: Any) -> range:
        kwargs.setdefault("start", current_size())
        with transaction.atomic():
            return ledger_append_many(payment_events(count, **kwargs))

    return append


@pytest.fixture
def world(world):  # type: ignore[no-untyped-def]
    """The named cast, with the log emptied of what building the cast appended (cases opened,
    assigned): these tests count indexes from 0."""
    from doorstep.ledger.models import LedgerEntry, LedgerHead, LedgerNode, LedgerSubject

    LedgerSubject.objects.all().delete()
    LedgerNode.objects.all().delete()
    LedgerEntry.objects.all().delete()
    LedgerHead.objects.all().delete()
    return world
