"""Loading the demo bank: the thin Django side of ``demo.generate``.

The generator decides every row; this module checks the database may take them, hands each block
to ``demo.writer`` inside its own transaction (a failed load leaves whole blocks, never half a
block), then puts the sequences and planner statistics right for the rows it wrote around the ORM.

The block's history goes into the verifiable ledger in the same transaction, through the ledger's
one write path (``ledger_append_many``): the events ``demo.journal`` derives from the block's
rows. After the load a checkpoint is signed, so the auditor's page starts with a signed head.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from doorstep.cases.models import (
    Assignment,
    BucketChange,
    Case,
    CaseParticipant,
    Entry,
    StatusChange,
    Transfer,
)
from doorstep.cases.services import CURED_REASON, case_reference
from doorstep.core.errors import DomainError
from doorstep.demo import generate, journal, staffing
from doorstep.demo.casework import Conventions
from doorstep.demo.furnish import demo_furnish
from doorstep.demo.selectors import bank_exists
from doorstep.demo.writer import begin_block, bulk_session, check_foreign_keys, write_table
from doorstep.ledger.models import LedgerEntry, LedgerNode, LedgerSubject
from doorstep.ledger.services import LedgerEvent, ledger_append_many, ledger_sign_checkpoint
from doorstep.portfolio.models import (
    Account,
    Address,
    Customer,
    Guarantor,
    Payment,
    Phone,
    Statement,
)
from doorstep.staff.models import Branch, StaffMember, Team

MAX_ACCOUNTS = 10_000_000
# From this many accounts on, the rows are generated in a second process while this one writes.
BACKGROUND_FROM = 50_000
# Events per ledger append: the ledger holds a call's events in memory while it prepares them.
LEDGER_SLICE = 100_000
LEDGER_MODELS: list[type[models.Model]] = [LedgerEntry, LedgerSubject, LedgerNode]


def demo_models() -> dict[str, type[models.Model]]:
    """The model behind each of the generator's tables."""
    return {
        "branch": Branch,
        "team": Team,
        "user": get_user_model(),
        "staff": StaffMember,
        "customer": Customer,
        "phone": Phone,
        "address": Address,
        "account": Account,
        "guarantor": Guarantor,
        "statement": Statement,
        "payment": Payment,
        "case": Case,
        "case_account": Case.accounts.through,
        "participant": CaseParticipant,
        "status_change": StatusChange,
        "assignment": Assignment,
        "bucket_change": BucketChange,
        "transfer": Transfer,
        "entry": Entry,
    }


@dataclass(frozen=True)
class LoadReport:
    accounts: int
    rows: dict[str, int]
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def demo_load(
    *,
    accounts: int,
    seed: int,
    as_of: date,
    progress: Callable[[int], None] | None = None,
    background: bool | None = None,
) -> LoadReport:
    """Build the demo bank in an empty database, block by block.

    ``progress`` is told how many accounts each block held. With ``background`` (by default for
    ``BACKGROUND_FROM`` accounts or more) the rows are generated in a forked process while this
    one writes them, so generating and writing share the machine's cores.
    """
    if background is None:
        background = accounts >= BACKGROUND_FROM
    _check_allowed(accounts, seed)
    started = time.perf_counter()
    tables = demo_models()
    first_id = {name: _next_id(model) for name, model in tables.items()}
    conventions = Conventions(
        reference=case_reference,
        cured_reason=CURED_REASON,
        # One fixed salt: the password is public anyway, and the data stays byte-identical.
        password_hash=make_password(settings.DEMO_PASSWORD, salt=f"doorstepdemo{seed}"),
    )

    def blocks() -> Iterator[generate.Block]:
        return generate.bank(
            seed=seed, as_of=as_of, accounts=accounts, first_id=first_id, conventions=conventions
        )

    rows: Counter[str] = Counter()
    recorder = HistoryRecorder()
    with bulk_session(connection, deferred=[Statement, Payment, LedgerEntry]) as keys_off:
        for block in _in_background(blocks) if background else blocks():
            with transaction.atomic():
                check_keys = begin_block(connection) or keys_off
                for name, columns in block.tables.items():
                    written = write_table(connection, tables[name], columns)
                    rows[name] += written
                    if check_keys and written:
                        ids = columns["id"]
                        check_foreign_keys(connection, tables[name], int(ids[0]), int(ids[-1]))
                if entries := recorder.record(block):
                    rows["ledger_entry"] += entries
            if progress is not None:
                progress(block.accounts)
    _after_bulk_load([*tables.values(), *LEDGER_MODELS])
    demo_furnish(as_of=as_of)
    ledger_sign_checkpoint()
    return LoadReport(accounts, dict(rows), time.perf_counter() - started)


class HistoryRecorder:
    """Appends each block's history to the ledger, in the caller's transaction (the block's).

    The first block brings the branches and staff that later blocks' events name.
    """

    def __init__(self) -> None:
        self.directory = journal.Directory(usernames={}, employee_numbers={}, branch_codes={})

    def record(self, block: generate.Block) -> int:
        """Append the block's events; returns how many."""
        if "staff" in block.tables:
            self.directory = journal.Directory.of(block.tables)
        events = journal.block_events(block.tables, self.directory, LedgerEvent)
        for start in range(0, len(events), LEDGER_SLICE):
            ledger_append_many(events[start : start + LEDGER_SLICE])
        return len(events)


def _check_allowed(accounts: int, seed: int) -> None:
    if settings.PRODUCTION:
        raise DomainError(
            "demo_in_production", _("The demo bank is never loaded in a production database.")
        )
    if not 1 <= accounts <= MAX_ACCOUNTS:
        raise DomainError(
            "accounts_out_of_range",
            _("Load between 1 and %(max)s accounts.") % {"max": f"{MAX_ACCOUNTS:,}"},
            field="accounts",
        )
    if seed < 0:
        raise DomainError("seed_negative", _("The seed is a whole number from 0."), field="seed")
    if bank_exists():
        raise DomainError(
            "bank_exists",
            _("This database already holds a bank; load the demo into an empty database."),
        )
    usernames = [s.username for s in staffing.STAFF]
    taken = sorted(
        get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True)
    )
    if taken:
        raise DomainError(
            "usernames_taken",
            _("These demo usernames already exist: %(names)s.") % {"names": ", ".join(taken)},
        )


def _next_id(model: type[models.Model]) -> int:
    highest = model._default_manager.aggregate(highest=Max("pk"))["highest"]
    return int(highest or 0) + 1


def _after_bulk_load(loaded: list[type[models.Model]]) -> None:
    """Rows came with their own ids: move each sequence past them, and refresh the planner's
    statistics so the first queries after a large load do not scan."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), loaded):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            for model in loaded:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
            cursor.execute("ANALYZE")


_QUEUE_DEPTH = 2


def _in_background(make: Callable[[], Iterator[generate.Block]]) -> Iterator[generate.Block]:
    """Run the generator in a forked child and yield its blocks here, at most two ahead.

    The child never touches the database: it only computes rows and sends them back.
    """
    context = multiprocessing.get_context("fork")
    queue: Any = context.Queue(maxsize=_QUEUE_DEPTH)
    child = context.Process(target=_produce, args=(make, queue), daemon=True)
    child.start()
    try:
        while True:
            item = queue.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def _produce(make: Callable[[], Iterator[generate.Block]], queue: Any) -> None:
    try:
        for block in make():
            queue.put(block)
    except Exception as error:
        queue.put(error)
        return
    queue.put(None)
