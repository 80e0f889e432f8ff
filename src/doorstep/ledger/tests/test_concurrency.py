"""Many writers at once get one gap-free, totally ordered log (PostgreSQL, real threads)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, transaction
from doorstep_verify.checks import Outcome
from doorstep_verify.merkle import MemoryStore, MerkleTree

from doorstep.ledger.models import LedgerEntry
from doorstep.ledger.selectors import current_size, leaf_chunks
from doorstep.ledger.services import ledger_append, ledger_sign_checkpoint
from doorstep.ledger.verification import ledger_verify

WRITERS = 8
WRITES = 25

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="SQLite lets one writer in at a time (BEGIN IMMEDIATE): there is no race to test",
    ),
    pytest.mark.django_db(transaction=True),
]


class Abandoned(Exception):
    pass


def writer(number: int, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    """Appends WRITES entries, each in its own transaction; every fifth one is rolled back."""
    try:
        barrier.wait()
        for seq in range(WRITES):
            try:
                with transaction.atomic():
                    ledger_append(
                        kind="test.appended",
                        actor=f"writer{number}",
                        subject={"writer": number},
                        record={"seq": seq},
                    )
                    time.sleep(0.001)  # hold the lock a moment: others must queue behind it
                    if seq % 5 == 4:
                        raise Abandoned
            except Abandoned:
                pass
    except BaseException as error:
        errors.append(error)
    finally:
        connection.close()


def test_concurrent_writers_get_consecutive_indexes_and_a_verifiable_log() -> None:
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=writer, args=(n, barrier, errors)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    committed = WRITERS * (WRITES - WRITES // 5)
    assert current_size() == committed
    indexes = list(LedgerEntry.objects.order_by("index").values_list("index", flat=True))
    assert indexes == list(range(committed))
    by_writer: dict[str, list[int]] = {}
    for entry in LedgerEntry.objects.order_by("index"):
        fields = json.loads(entry.data)
        by_writer.setdefault(fields["actor"], []).append(fields["record"]["seq"])
    expected = [seq for seq in range(WRITES) if seq % 5 != 4]
    assert by_writer == {f"writer{n}": expected for n in range(WRITERS)}
    memory = MerkleTree(MemoryStore())
    for chunk in leaf_chunks(committed):
        memory.append([data.encode() for _, data in chunk])
    assert bytes(ledger_sign_checkpoint().root_hash) == memory.root()
    assert ledger_verify().outcome is Outcome.VERIFIED
