"""Import the bank's accounts (with their customers), statements and payments from a file.

Every row is validated (``rows``); good rows are stored even when others fail, and each bad
row is reported with its line, column and reason. Imports are idempotent: rows are keyed by the
bank's own identifiers, so the same file imported twice stores nothing the second time. Money
already stored is never silently changed: a payment or statement that comes back with other
amounts is rejected as a conflict.

Rows are classified and written a chunk at a time: a query per 500 keys looks up what exists,
then ``bulk_create``/``bulk_update`` write the chunk in one transaction, so a large file costs a
few queries per thousand rows rather than a few per row. A dry run classifies exactly the same
way and writes nothing.

Every payment, reversal, statement and account a chunk stores is appended to the verifiable
ledger in the chunk's transaction (one ``ledger_append_many`` per chunk), with the open case of
its account in the subject; accounts carry their customer only as salted commitments.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases import lifecycle
from doorstep.cases.models import Case
from doorstep.cases.services import cases_refresh_for_accounts
from doorstep.core.errors import ConflictError, DomainError
from doorstep.core.i18n import gettext_noop
from doorstep.keys.keyring import blind
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import LedgerEvent, ledger_append_many
from doorstep.plans.services import plans_replay_accounts
from doorstep.portfolio import rows, tables
from doorstep.portfolio.models import Account, Address, Customer, Payment, Phone, Statement
from doorstep.portfolio.rows import AccountRow, Context, CustomerRow, Kind, PaymentRow, StatementRow
from doorstep.portfolio.selectors import IMPORT_ROLES
from doorstep.portfolio.tables import Cell, FileProblem
from doorstep.staff.models import Branch, Role, StaffMember

T = TypeVar("T")

CHUNK_ROWS = 2000
LOOKUP_BATCH = 500  # keys per IN (...) lookup, well under SQLite's parameter limit
BANK_TIME_ZONE = ZoneInfo("Asia/Shanghai")

MISSING_COLUMNS = gettext_noop("The file lacks the required columns: %(columns)s.")
UNKNOWN_BRANCH = gettext_noop("There is no branch with code “%(code)s”.")
CONCURRENT_IMPORT = gettext_noop(
    "Another import changed the same records at the same time; run this import again "
    "(rows already stored will count as unchanged)."
)
LINE_PROBLEM = gettext_noop("line %(line)d, %(field)s: %(reason)s")

ACCOUNT_UNKNOWN = gettext_noop("no account with this number; import it in an accounts file first")
ACCOUNT_NOT_YOURS = gettext_noop("no account with this number at your branch %(branch)s")
BRANCH_NOT_YOURS = gettext_noop("you may import only rows of your branch %(branch)s")
ACCOUNT_ELSEWHERE = gettext_noop("is already used by an account outside your branch")
ACCOUNT_OTHER_CUSTOMER = gettext_noop("this account is stored under customer %(customer)s")
NATIONAL_ID_MISMATCH = gettext_noop("does not match the ID number stored for this customer")
DUPLICATE_IN_FILE = gettext_noop("appears again (first on line %(line)d) with different values")
CUSTOMER_DIFFERS = gettext_noop("differs from line %(line)d for the same customer")
PAYMENT_OTHER_ACCOUNT = gettext_noop("this transaction is stored for another account")
PAYMENT_CONFLICT = gettext_noop(
    "does not match the stored payment (%(stored)s); a stored payment is never changed"
)
PAYMENT_REVERSED = gettext_noop("the payment was already reversed on %(stored)s")
STATEMENT_CONFLICT = gettext_noop(
    "does not match the stored statement (%(stored)s); a stored statement is never changed"
)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return _(LINE_PROBLEM) % {"line": self.line, "field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class RowResult:
    line: int
    key: str
    outcome: Outcome
    errors: tuple[RowError, ...] = ()


@dataclass
class ImportReport:
    kind: Kind
    filename: str
    dry_run: bool
    ignored_columns: list[str]
    results: list[RowResult] = field(default_factory=list)
    cases_refreshed: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.results for e in r.errors]

    def summary(self) -> dict[str, Any]:
        """The report as the API answers it."""
        return {
            **{outcome.value: self.count(outcome) for outcome in Outcome},
            "errors": [dataclasses.asdict(e) for e in self.errors],
            "dry_run": self.dry_run,
            "ignored_columns": self.ignored_columns,
            "cases_refreshed": self.cases_refreshed,
        }


@dataclass(frozen=True)
class _Scope:
    """Which branch's rows the importer may write: ``None`` is every branch."""

    branch_id: int | None
    branch_code: str | None

    def allows(self, branch_id: int) -> bool:
        return self.branch_id is None or branch_id == self.branch_id


def _scope_for(actor: StaffMember | None) -> _Scope:
    """No actor is the command line, run by the operator for every branch."""
    if actor is None:
        return _Scope(None, None)
    if actor.role not in IMPORT_ROLES or not actor.is_active:
        raise PermissionDenied
    if actor.role == Role.HEAD_OFFICE_ADMIN:
        return _Scope(None, None)
    if actor.branch is None:
        raise PermissionDenied
    return _Scope(actor.branch.pk, actor.branch.code)


def import_check_upload(*, actor: StaffMember | None, size: int | None) -> None:
    """Refuse an upload before reading it: PermissionDenied for anyone but an admin (a
    signed-in user without a staff profile included), DomainError for a file over the limit."""
    if actor is None:
        raise PermissionDenied
    _scope_for(actor)
    if size is not None and size > tables.MAX_FILE_BYTES:
        raise _file_error(tables.too_large())


def _file_error(problem: FileProblem) -> DomainError:
    return DomainError(problem.code, _(problem.message) % problem.params, field="file")


def import_file(
    *,
    kind: Kind,
    data: bytes,
    filename: str,
    actor: StaffMember | None,
    dry_run: bool = False,
    default_branch: str | None = None,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int | None], None] | None = None,
) -> ImportReport:
    """Validate every row of ``data`` and store the good ones (none when ``dry_run``).

    ``actor`` is the head-office or branch admin importing through the API, or None on the
    command line. A branch admin's rows of other branches are rejected row by row. Raises
    DomainError (field ``file``) when the file as a whole cannot be imported, before anything
    is stored. ``total`` hears the expected row count, ``progress`` each chunk's size.
    """
    scope = _scope_for(actor)
    branches = dict(Branch.objects.values_list("code", "pk"))
    if default_branch is None and scope.branch_code is not None:
        default_branch = scope.branch_code
    if default_branch is not None and default_branch not in branches:
        raise DomainError(
            "unknown_branch", _(UNKNOWN_BRANCH) % {"code": default_branch}, field="branch"
        )
    try:
        table = tables.read_table(data, filename)
    except FileProblem as problem:
        raise _file_error(problem) from None
    missing = rows.missing_columns(kind, table.header, default_branch=default_branch is not None)
    if missing:
        raise DomainError(
            "missing_columns", _(MISSING_COLUMNS) % {"columns": ", ".join(missing)}, field="file"
        )
    if total is not None:
        total(table.total)
    context = Context(
        today=timezone.localdate(timezone=BANK_TIME_ZONE),
        branches=frozenset(branches),
        default_branch=default_branch,
    )
    importer = _IMPORTERS[kind](
        scope=scope,
        context=context,
        header=table.header,
        branches=branches,
        dry_run=dry_run,
        actor=actor,
    )
    report = ImportReport(
        kind=kind,
        filename=filename,
        dry_run=dry_run,
        ignored_columns=rows.ignored_columns(kind, table.header),
    )
    data_rows = ((line, cells) for line, cells in table.rows if not all(map(rows.is_blank, cells)))
    for chunk in _batched(data_rows, CHUNK_ROWS):
        report.results.extend(importer.run(chunk))
        if progress is not None:
            progress(len(chunk))
    if not dry_run and importer.touched_accounts:
        # Plans and promises first: what a payment settles decides the arrears the refresh sees.
        plans_replay_accounts(
            account_ids=importer.touched_accounts,
            on=timezone.localdate(timezone=BANK_TIME_ZONE),
            actor=actor,
        )
        report.cases_refreshed = cases_refresh_for_accounts(
            account_ids=importer.touched_accounts,
            as_of=timezone.localdate(timezone=BANK_TIME_ZONE),
            since=importer.earliest,
        )
    return report


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _shown(value: Any) -> Any:
    """Dates in messages as YYYY-MM-DD, the way the files write them."""
    return value.isoformat() if isinstance(value, date) else value


@dataclass(frozen=True)
class _AccountRef:
    pk: int
    branch_id: int


class _Importer:
    """Classify and store one chunk of rows of one kind; remembers the file's keys so far."""

    kind: Kind

    def __init__(
        self,
        *,
        scope: _Scope,
        context: Context,
        header: list[str],
        branches: Mapping[str, int],
        dry_run: bool,
        actor: StaffMember | None,
    ) -> None:
        self.scope = scope
        self.context = context
        self.header = header
        self.branches = branches
        self.dry_run = dry_run
        self.actor = actor
        self.touched_accounts: set[int] = set()
        # The earliest value date among the rows that changed something (payments, reversals,
        # new dues): the case refresh restates bucket history from it.
        self.earliest: date | None = None
        self.seen: dict[Hashable, tuple[int, int]] = {}  # key -> (first line, hash of row)
        self._accounts: dict[str, _AccountRef] = {}

    def run(self, chunk: Sequence[tuple[int, list[Cell]]]) -> list[RowResult]:
        results: list[RowResult] = []
        good: list[tuple[int, Any]] = []
        for line, cells in chunk:
            row, problems = self.parse(cells)
            if problems:
                key = rows.raw_key(self.kind, self.header, cells)
                errors = tuple(_error(line, p.field, p.message, **p.params) for p in problems)
                results.append(RowResult(line, key, Outcome.REJECTED, errors))
            else:
                good.append((line, row))
        try:
            with transaction.atomic():
                results.extend(self.store(good))
        except IntegrityError:
            raise ConflictError("concurrent_import", _(CONCURRENT_IMPORT)) from None
        return sorted(results, key=lambda r: r.line)

    def parse(self, cells: list[Cell]) -> tuple[Any, list[rows.Problem]]:
        raise NotImplementedError

    def store(self, good: list[tuple[int, Any]]) -> list[RowResult]:
        raise NotImplementedError

    def repeat(
        self, line: int, key: str, seen_key: Hashable, row: Hashable, column: str
    ) -> RowResult | None:
        """A key already stored from this file: unchanged if the row says the same again."""
        if seen_key not in self.seen:
            return None
        first_line, first_hash = self.seen[seen_key]
        if first_hash == hash(row):
            return RowResult(line, key, Outcome.UNCHANGED)
        return _rejected(line, key, _error(line, column, DUPLICATE_IN_FILE, line=first_line))

    def accounts(self, external_ids: Iterable[str]) -> dict[str, _AccountRef]:
        """The accounts these rows name, looked up once per import."""
        wanted = sorted({e for e in external_ids if e not in self._accounts})
        for batch in _batched(wanted, LOOKUP_BATCH):
            for external_id, pk, branch_id in Account.objects.filter(
                external_id__in=batch
            ).values_list("external_id", "pk", "branch_id"):
                self._accounts[external_id] = _AccountRef(pk, branch_id)
        return self._accounts

    def append_to_ledger(self, events: Sequence[tuple[int, LedgerEvent]]) -> None:
        """Append what the chunk stored to the ledger, in the chunk's transaction.

        Each event comes with its account's pk: an account that belongs to an open case gets
        the case's reference in its subject, so the case's ledger panel lists the event. The
        references are looked up once per chunk, a query per 500 accounts.
        """
        if not events:
            return
        cases = _open_cases(pk for pk, _ in events)
        ledger_append_many(
            dataclasses.replace(event, subject={**event.subject, "case": cases[pk]})
            if pk in cases
            else event
            for pk, event in events
        )

    def account_for(self, line: int, ref: _AccountRef | None) -> _AccountRef | RowError:
        """The row's account, or why it cannot be used: to a branch admin, an unknown account
        and another branch's account read the same, so imports reveal nothing outside it."""
        if ref is not None and self.scope.allows(ref.branch_id):
            return ref
        if self.scope.branch_code is not None:
            return _error(line, "account_id", ACCOUNT_NOT_YOURS, branch=self.scope.branch_code)
        return _error(line, "account_id", ACCOUNT_UNKNOWN)


def _open_cases(account_pks: Iterable[int]) -> dict[int, str]:
    """The reference of the open case each account belongs to (a customer has at most one).

    A lookup by the import itself, for the ledger's subjects, as ``cases_refresh_for_accounts``
    does for the arrears: nothing of it reaches the importing user beyond what they wrote.
    """
    found: dict[int, str] = {}
    for batch in _batched(sorted(set(account_pks)), LOOKUP_BATCH):
        found.update(
            Case.accounts.through.objects.filter(
                account_id__in=batch, case__status__in=sorted(lifecycle.OPEN)
            ).values_list("account_id", "case__reference")
        )
    return found


def _error(line: int, column: str, message: str, /, **params: Any) -> RowError:
    """A translated row error; ``params`` fill the message's placeholders."""
    reason = _(message) % {k: _shown(v) for k, v in params.items()} if params else _(message)
    return RowError(line, column, reason)


def _rejected(line: int, key: str, error: RowError) -> RowResult:
    return RowResult(line, key, Outcome.REJECTED, (error,))


@dataclass(frozen=True)
class _StoredPayment:
    """What the import compares of a stored payment, read as plain values (fast)."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "external_id",
        "pk",
        "account_id",
        "paid_on",
        "amount",
        "channel",
        "reversed_on",
    )

    pk: int
    account_id: int
    paid_on: date
    amount: Decimal
    channel: str
    reversed_on: date | None


class _PaymentImporter(_Importer):
    kind = Kind.PAYMENTS

    def parse(self, cells: list[Cell]) -> tuple[Any, list[rows.Problem]]:
        return rows.parse_payment(self.header, cells, self.context)

    def store(self, good: list[tuple[int, PaymentRow]]) -> list[RowResult]:
        accounts = self.accounts(row.account_id for _, row in good)
        existing: dict[str, _StoredPayment] = {}
        new_keys = sorted({row.external_id for _, row in good} - self.seen.keys())
        for batch in _batched(new_keys, LOOKUP_BATCH):
            existing.update(
                (external_id, _StoredPayment(*values))
                for external_id, *values in Payment.objects.filter(
                    external_id__in=batch
                ).values_list(*_StoredPayment.FIELDS)
            )
        results: list[RowResult] = []
        to_create: list[Payment] = []
        to_reverse: list[Payment] = []
        events: list[tuple[int, LedgerEvent]] = []
        for line, row in good:
            key = row.external_id
            repeat = self.repeat(line, key, key, row, "transaction_id")
            if repeat is not None:
                results.append(repeat)
                continue
            ref = self.account_for(line, accounts.get(row.account_id))
            if isinstance(ref, RowError):
                results.append(_rejected(line, key, ref))
                continue
            stored = existing.get(key)
            outcome, conflict = self._classify(line, row, ref, stored)
            if conflict is not None:
                results.append(_rejected(line, key, conflict))
                continue
            if stored is None:
                to_create.append(
                    Payment(
                        account_id=ref.pk,
                        external_id=key,
                        paid_on=row.paid_on,
                        amount=row.amount,
                        channel=row.channel or Payment.Channel.TRANSFER,
                        reversed_on=row.reversed_on,
                    )
                )
            elif outcome is Outcome.UPDATED:
                to_reverse.append(Payment(pk=stored.pk, reversed_on=row.reversed_on))
            self.seen[key] = (line, hash(row))
            if outcome is not Outcome.UNCHANGED:
                self.touched_accounts.add(ref.pk)
                changed = row.paid_on if stored is None else (row.reversed_on or row.paid_on)
                self.earliest = changed if self.earliest is None else min(self.earliest, changed)
                events += [(ref.pk, event) for event in self._events(row, stored)]
            results.append(RowResult(line, key, outcome))
        if not self.dry_run:
            Payment.objects.bulk_create(to_create, batch_size=LOOKUP_BATCH)
            Payment.objects.bulk_update(to_reverse, ["reversed_on"], batch_size=LOOKUP_BATCH)
            self.append_to_ledger(events)
        return results

    def _events(self, row: PaymentRow, stored: _StoredPayment | None) -> list[LedgerEvent]:
        """A new payment is posted (and maybe reversed at once); a stored one is reversed."""
        subject = {"account": row.account_id, "payment": row.external_id}
        events = []
        if stored is None:
            record = {
                "amount": row.amount,
                "paid_on": row.paid_on,
                "channel": row.channel or Payment.Channel.TRANSFER.value,
            }
            events.append(LedgerEvent("payment.posted", self.actor, subject, record))
        if row.reversed_on is not None:
            record = {"amount": row.amount, "paid_on": row.paid_on, "reversed_on": row.reversed_on}
            events.append(LedgerEvent("payment.reversed", self.actor, subject, record))
        return events

    def _classify(
        self, line: int, row: PaymentRow, ref: _AccountRef, stored: _StoredPayment | None
    ) -> tuple[Outcome, RowError | None]:
        """A stored payment never changes, except that it may be reversed once."""
        if stored is None:
            return Outcome.CREATED, None
        if stored.account_id != ref.pk:
            return Outcome.REJECTED, _error(line, "account_id", PAYMENT_OTHER_ACCOUNT)
        compared = [("paid_on", stored.paid_on), ("amount", stored.amount)]
        if row.channel is not None:
            compared.append(("channel", stored.channel))
        for column, value in compared:
            if getattr(row, column) != value:
                return Outcome.REJECTED, _error(line, column, PAYMENT_CONFLICT, stored=value)
        if row.reversed_on is None or row.reversed_on == stored.reversed_on:
            return Outcome.UNCHANGED, None
        if stored.reversed_on is not None:
            error = _error(line, "reversed_on", PAYMENT_REVERSED, stored=stored.reversed_on)
            return Outcome.REJECTED, error
        return Outcome.UPDATED, None


STATEMENT_MONEY = ("principal_due", "interest_due", "fee_due", "closing_balance")


@dataclass(frozen=True)
class _StoredStatement:
    FIELDS: ClassVar[tuple[str, ...]] = (
        "account_id",
        "due_date",
        "statement_date",
        *STATEMENT_MONEY,
    )

    statement_date: date
    principal_due: Decimal
    interest_due: Decimal
    fee_due: Decimal
    closing_balance: Decimal


class _StatementImporter(_Importer):
    kind = Kind.STATEMENTS

    def parse(self, cells: list[Cell]) -> tuple[Any, list[rows.Problem]]:
        return rows.parse_statement(self.header, cells, self.context)

    def store(self, good: list[tuple[int, StatementRow]]) -> list[RowResult]:
        accounts = self.accounts(row.account_id for _, row in good)
        pks = sorted({accounts[r.account_id].pk for _, r in good if r.account_id in accounts})
        due_dates = {row.due_date for _, row in good}
        existing: dict[tuple[int, date], _StoredStatement] = {}
        for batch in _batched(pks, LOOKUP_BATCH):
            for account_id, due_date, *values in Statement.objects.filter(
                account_id__in=batch, due_date__in=sorted(due_dates)
            ).values_list(*_StoredStatement.FIELDS):
                existing[(account_id, due_date)] = _StoredStatement(*values)
        results: list[RowResult] = []
        to_create: list[Statement] = []
        events: list[tuple[int, LedgerEvent]] = []
        for line, row in good:
            key = f"{row.account_id}/{row.due_date.isoformat()}"
            repeat = self.repeat(line, key, (row.account_id, row.due_date), row, "due_date")
            if repeat is not None:
                results.append(repeat)
                continue
            ref = self.account_for(line, accounts.get(row.account_id))
            if isinstance(ref, RowError):
                results.append(_rejected(line, key, ref))
                continue
            stored = existing.get((ref.pk, row.due_date))
            if stored is not None:
                conflict = self._conflict(line, row, stored)
                if conflict is not None:
                    results.append(_rejected(line, key, conflict))
                    continue
                outcome = Outcome.UNCHANGED
            else:
                outcome = Outcome.CREATED
                to_create.append(
                    Statement(
                        account_id=ref.pk,
                        statement_date=row.statement_date,
                        due_date=row.due_date,
                        principal_due=row.principal_due,
                        interest_due=row.interest_due,
                        fee_due=row.fee_due,
                        closing_balance=row.closing_balance,
                    )
                )
                self.touched_accounts.add(ref.pk)
                # A due the bank bills late (its date already past) changes the arrears from
                # that day on: the case refresh restates bucket history from it.
                self.earliest = min(self.earliest or row.due_date, row.due_date)
                events.append((ref.pk, self._event(row)))
            self.seen[(row.account_id, row.due_date)] = (line, hash(row))
            results.append(RowResult(line, key, outcome))
        if not self.dry_run:
            Statement.objects.bulk_create(to_create, batch_size=LOOKUP_BATCH)
            self.append_to_ledger(events)
        return results

    def _event(self, row: StatementRow) -> LedgerEvent:
        return LedgerEvent(
            kind="statement.billed",
            actor=self.actor,
            subject={"account": row.account_id, "due_date": row.due_date.isoformat()},
            record={
                "statement_date": row.statement_date,
                "due_date": row.due_date,
                **{name: getattr(row, name) for name in STATEMENT_MONEY},
            },
        )

    def _conflict(self, line: int, row: StatementRow, stored: _StoredStatement) -> RowError | None:
        for column in ("statement_date", *STATEMENT_MONEY):
            value = getattr(stored, column)
            if getattr(row, column) != value:
                return _error(line, column, STATEMENT_CONFLICT, stored=value)
        return None


# Customer fields an accounts file may update, by column; None in a row leaves them alone.
CUSTOMER_FIELDS = (
    "name",
    "email",
    "preferred_language",
    "employer",
    "occupation",
    "monthly_income",
    "assets_value",
    "assets_description",
    "household_size",
    "dependants",
    "other_debts_declared",
    "birth_date",
    "gender",
)
ACCOUNT_FIELDS = (
    "product",
    "currency",
    "credit_limit",
    "principal",
    "term_months",
    "opened_on",
    "interest_rate",
    "due_day",
    "status",
)
ADDRESS_FIELDS = ("province", "city", "district", "line", "postcode", "latitude", "longitude")
# The column a CustomerRow attribute comes from, to name it when two rows disagree.
CUSTOMER_COLUMNS = {
    "external_id": "customer_id",
    "birth_date": "national_id",
    "gender": "national_id",
}


@dataclass
class _CustomerWork:
    """What one chunk does to one customer: create, update, new primary phone, address."""

    customer: Customer
    created: bool
    changed: bool = False
    phone: str | None = None
    address: Address | None = None


class _AccountImporter(_Importer):
    kind = Kind.ACCOUNTS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seen_customers: dict[str, tuple[int, CustomerRow]] = {}
        self.customer_pks: dict[str, int] = {}

    def parse(self, cells: list[Cell]) -> tuple[Any, list[rows.Problem]]:
        return rows.parse_account(self.header, cells, self.context)

    def store(self, good: list[tuple[int, AccountRow]]) -> list[RowResult]:
        accounts = self._load_accounts(row.external_id for _, row in good)
        customers = self._load_customers(
            row.customer.external_id
            for _, row in good
            if row.customer.external_id not in self.seen_customers
        )
        work: dict[str, _CustomerWork] = {}
        results: list[RowResult] = []
        to_create: list[Account] = []
        to_update: list[Account] = []
        imported: list[tuple[Account, AccountRow, list[str] | None]] = []
        for line, row in good:
            key = row.external_id
            repeat = self.repeat(line, key, key, row, "account_id")
            if repeat is not None:
                results.append(repeat)
                continue
            problem = self._check(line, row, accounts.get(key), customers)
            if problem is not None:
                results.append(_rejected(line, key, problem))
                continue
            customer_changes = self._plan_customer(row.customer, customers, work)
            stored = accounts.get(key)
            if stored is None:
                account = Account(
                    external_id=key,
                    customer=self._customer_for(row.customer.external_id, work),
                    branch_id=self.branches[row.branch],
                )
                _apply(account, row, ACCOUNT_FIELDS)
                to_create.append(account)
                outcome = Outcome.CREATED
                imported.append((account, row, None))
            else:
                changes = self._apply_account(stored, row)
                if changes:
                    to_update.append(stored)
                changes += customer_changes
                outcome = Outcome.UNCHANGED
                if changes:
                    outcome = Outcome.UPDATED
                    imported.append((stored, row, changes))
            self.seen[key] = (line, hash(row))
            self.seen_customers.setdefault(row.customer.external_id, (line, row.customer))
            results.append(RowResult(line, key, outcome))
        if not self.dry_run:
            self._write(work.values(), to_create, to_update)
            self.append_to_ledger(
                [
                    (account.pk, self._event(account, row, changes))
                    for account, row, changes in imported
                ]
            )
        return results

    def _event(self, account: Account, row: AccountRow, changes: list[str] | None) -> LedgerEvent:
        """What the account now is, as a hash of its fields (none of them personal), and its
        customer's identity as commitments: the log shows that the file said this about this
        person without saying who they are. ``changes`` names what an update changed."""
        fields = {name: getattr(account, name) for name in ACCOUNT_FIELDS}
        record: dict[str, Any] = {
            "outcome": (Outcome.CREATED if changes is None else Outcome.UPDATED).value,
            "content_hash": content_hash(
                {"account_id": account.external_id, "branch": row.branch, **fields}
            ),
        }
        if changes is not None:
            record["changed"] = sorted(changes)
        customer = row.customer
        personal: dict[str, Any] = {
            "customer": account.customer_id,
            "national_id": customer.national_id,
            "name": customer.name,
        }
        if customer.phone is not None:
            personal["phone"] = customer.phone
        return LedgerEvent(
            kind="account.imported",
            actor=self.actor,
            subject={"account": account.external_id, "customer": account.customer_id},
            record=record,
            personal=personal,
        )

    def _load_accounts(self, external_ids: Iterable[str]) -> dict[str, Account]:
        found: dict[str, Account] = {}
        for batch in _batched(sorted(set(external_ids)), LOOKUP_BATCH):
            found.update(
                (a.external_id, a)
                for a in Account.objects.filter(external_id__in=batch).select_related("customer")
            )
        return found

    def _load_customers(self, external_ids: Iterable[str]) -> dict[str, Customer]:
        found: dict[str, Customer] = {}
        for batch in _batched(sorted(set(external_ids)), LOOKUP_BATCH):
            found.update(
                (c.external_id, c)
                for c in Customer.objects.filter(external_id__in=batch).prefetch_related(
                    "phones", "addresses"
                )
            )
        return found

    def _check(
        self,
        line: int,
        row: AccountRow,
        stored: Account | None,
        customers: Mapping[str, Customer],
    ) -> RowError | None:
        """Why this row cannot be stored, or None: its customer, branch or identity."""
        first = self.seen_customers.get(row.customer.external_id)
        if first is not None and first[1] != row.customer:
            column = _first_difference(first[1], row.customer)
            return _error(line, column, CUSTOMER_DIFFERS, line=first[0])
        if not self.scope.allows(self.branches[row.branch]):
            return _error(line, "branch", BRANCH_NOT_YOURS, branch=self.scope.branch_code)
        if stored is not None and not self.scope.allows(stored.branch_id):
            return _error(line, "account_id", ACCOUNT_ELSEWHERE)
        if stored is not None and stored.customer.external_id != row.customer.external_id:
            return _error(
                line, "customer_id", ACCOUNT_OTHER_CUSTOMER, customer=stored.customer.external_id
            )
        customer = customers.get(row.customer.external_id)
        if customer is not None and customer.national_id != row.customer.national_id:
            return _error(line, "national_id", NATIONAL_ID_MISMATCH)
        return None

    def _plan_customer(
        self, row: CustomerRow, customers: Mapping[str, Customer], work: dict[str, _CustomerWork]
    ) -> list[str]:
        """Plan what the customer's first row in the file does; what it changes of a stored
        customer (field names, ``phone``, ``address``).

        Later rows for the same customer were checked to say the same, so they do nothing.
        """
        if row.external_id in self.seen_customers:
            return []
        stored = customers.get(row.external_id)
        if stored is None:
            customer = Customer(external_id=row.external_id, national_id=row.national_id)
            _apply(customer, row, CUSTOMER_FIELDS)
            plan = _CustomerWork(customer, created=True, phone=row.phone)
            if row.address is not None:
                plan.address = Address(customer=customer, kind=Address.Kind.HOME)
                _apply(plan.address, row.address, ADDRESS_FIELDS)
            work[row.external_id] = plan
            return []
        changes = _apply(stored, row, CUSTOMER_FIELDS)
        plan = _CustomerWork(stored, created=False, changed=bool(changes))
        primary = next((p.number for p in stored.phones.all() if p.is_primary), None)
        if row.phone is not None and row.phone != primary:
            plan.phone = row.phone
            changes.append("phone")
        if row.address is not None:
            plan.address = _address_change(stored, row.address)
            if plan.address is not None:
                changes.append("address")
        work[row.external_id] = plan
        return changes

    def _customer_for(self, external_id: str, work: Mapping[str, _CustomerWork]) -> Customer:
        """The customer a new account belongs to: planned in this chunk, or stored earlier
        in this import (in a dry run nothing was stored, and nothing will be)."""
        if external_id in work:
            return work[external_id].customer
        return Customer(pk=self.customer_pks.get(external_id), external_id=external_id)

    def _apply_account(self, account: Account, row: AccountRow) -> list[str]:
        changes = _apply(account, row, ACCOUNT_FIELDS)
        branch_id = self.branches[row.branch]
        if account.branch_id != branch_id:
            account.branch_id = branch_id
            changes.append("branch")
        return changes

    def _write(
        self,
        work: Iterable[_CustomerWork],
        to_create: list[Account],
        to_update: list[Account],
    ) -> None:
        plans = list(work)
        now = timezone.now()
        Customer.objects.bulk_create([p.customer for p in plans if p.created])
        changed = [p.customer for p in plans if p.changed]
        for customer in changed:
            customer.updated_at = now
        Customer.objects.bulk_update(changed, [*CUSTOMER_FIELDS, "updated_at"])
        Phone.objects.bulk_create(
            Phone(customer=p.customer, number=p.phone, is_primary=True)
            for p in plans
            if p.created and p.phone
        )
        for plan in plans:
            if not plan.created and plan.phone:
                _make_primary(plan.customer, plan.phone)
            self.customer_pks[plan.customer.external_id] = plan.customer.pk
        addresses = [p.address for p in plans if p.address is not None]
        moved = [a for a in addresses if a.pk is not None]
        Address.objects.bulk_create([a for a in addresses if a.pk is None])
        Address.objects.bulk_update(moved, ADDRESS_FIELDS)
        for account in to_update:
            account.updated_at = now
        Account.objects.bulk_create(to_create, batch_size=LOOKUP_BATCH)
        Account.objects.bulk_update(
            to_update, [*ACCOUNT_FIELDS, "branch", "updated_at"], batch_size=LOOKUP_BATCH
        )


def _apply(target: Any, row: Any, names: Sequence[str]) -> list[str]:
    """Copy the values the row gives (not None) onto ``target``; the names of those that
    differed."""
    changed = []
    for name in names:
        value = getattr(row, name)
        if value is not None and getattr(target, name) != value:
            setattr(target, name, value)
            changed.append(name)
    return changed


def _address_change(customer: Customer, row: rows.AddressRow) -> Address | None:
    """The home address to save, or None if the row says nothing new.

    Coordinates belong to a street address: a new address without them clears the old ones.
    """
    address = next((a for a in customer.addresses.all() if a.kind == Address.Kind.HOME), None)
    if address is None:
        address = Address(customer=customer, kind=Address.Kind.HOME)
        _apply(address, row, ADDRESS_FIELDS)
        return address
    moved = (address.province, address.city, address.line) != (row.province, row.city, row.line)
    changed = _apply(address, row, ADDRESS_FIELDS)
    if moved and row.latitude is None:
        address.latitude = address.longitude = None
    return address if changed else None


def _make_primary(customer: Customer, number: str) -> None:
    """The file's number becomes the primary mobile; earlier numbers stay, with their checks."""
    Phone.objects.filter(customer=customer, is_primary=True).update(is_primary=False)
    Phone.objects.update_or_create(
        customer=customer,
        number_index=blind("phone", number),
        defaults={"number": number, "is_primary": True},
    )


def _first_difference(first: CustomerRow, other: CustomerRow) -> str:
    for attribute in dataclasses.fields(CustomerRow):
        if getattr(first, attribute.name) != getattr(other, attribute.name):
            return CUSTOMER_COLUMNS.get(attribute.name, attribute.name)
    return "customer_id"


_IMPORTERS: dict[Kind, type[_Importer]] = {
    Kind.ACCOUNTS: _AccountImporter,
    Kind.PAYMENTS: _PaymentImporter,
    Kind.STATEMENTS: _StatementImporter,
}
