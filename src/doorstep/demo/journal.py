"""The demo bank's history as ledger events, derived from the rows the generator made.

Pure (no Django). A bank that has used Doorstep for years has a ledger entry for every payment
it posted and every change to its cases, written by ``portfolio.importing`` and
``cases.services`` as each happened. The demo gets the same entries from its rows: the same
kinds and fields those services record, each at its own time, so its ledger tells the history
its tables hold and the case page's ledger panel lists what happened to the case.

Within a block the events are in time order (every account and case lies in one block, so each
account's and each case's entries are in order in the log); blocks follow one another, so the
log as a whole runs through the bank's history once per block. Nothing personal is recorded:
notes and reasons appear as ``content_hash`` of their text, people as usernames and employee
numbers. The events depend only on the rows, so the same seed and day give the same entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

import numpy as np

from doorstep.demo.casework import local
from doorstep.ledger.entries import content_hash

Tables = Mapping[str, Mapping[str, Any]]

# The order of events that share a time: as the services write them in one transaction (an
# assignment, then the status it starts; a status, then the specialist it brings in).
ORDER = (
    "case.opened",
    "case.bucket_changed",
    "case.transferred",
    "case.assigned",
    "case.status_changed",
    "case.participant_added",
    "case.entry_added",
    "payment.posted",
    "payment.reversed",
)
RANK = {kind: rank for rank, kind in enumerate(ORDER)}
POSTING_HOUR = 21  # the evening batch posts payments and reversals, Hangzhou time
NIGHTLY_HOUR = 2  # the nightly job opens cases and moves their buckets
OPENED = "opened"


class EventFactory(Protocol):
    """How the caller wants an event: ``ledger.services.LedgerEvent``."""

    def __call__(
        self,
        *,
        kind: str,
        actor: str | None,
        subject: dict[str, str],
        record: dict[str, Any],
        at: datetime,
    ) -> Any: ...


@dataclass(frozen=True)
class Directory:
    """The staff and branches as the ledger names them, by the database ids rows use."""

    usernames: Mapping[int, str]  # user id → username
    employee_numbers: Mapping[int, str]  # staff id → employee number
    branch_codes: Mapping[int, str]  # branch id → code

    @classmethod
    def of(cls, tables: Tables) -> Directory:
        """From the generator's first block, which holds the branches and the staff."""

        def pairs(table: str, column: str) -> dict[int, str]:
            rows = tables[table]
            return dict(zip(_plain(rows["id"]), rows[column], strict=True))

        return cls(
            usernames=pairs("user", "username"),
            employee_numbers=pairs("staff", "employee_number"),
            branch_codes=pairs("branch", "code"),
        )


def block_events(tables: Tables, directory: Directory, make: EventFactory) -> list[Any]:
    """The events of one block's rows, in the order they happened."""
    journal = _Journal(tables, directory, make)
    journal.cases()
    journal.payments()
    return journal.in_order()


def money(cents: int) -> str:
    """Cents as the ledger writes an amount: ``123456`` → ``"1234.56"``."""
    return f"{cents // 100}.{cents % 100:02d}"


def _plain(values: Any) -> list[Any]:
    """A column as a list of Python values (numpy columns become ints, strings, dates)."""
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


class _Journal:
    """Collects a block's events with the keys that put them in order."""

    def __init__(self, tables: Tables, directory: Directory, make: EventFactory) -> None:
        self.tables = tables
        self.directory = directory
        self.make = make
        self.events: list[Any] = []
        self.keys: list[tuple[int, int, int]] = []  # (seconds since 1970, rank, row id)
        accounts = tables.get("account", {})
        self.account_numbers = dict(
            zip(_plain(accounts.get("id", [])), accounts.get("external_id", []), strict=True)
        )
        cases = tables.get("case", {})
        self.references = dict(
            zip(_plain(cases.get("id", [])), cases.get("reference", []), strict=True)
        )
        self.hashes: dict[str, str | None] = {}
        self.moments: dict[datetime, tuple[datetime, int]] = {}

    def add(
        self,
        kind: str,
        row_id: int,
        at: datetime,
        actor: int | None,
        subject: dict[str, str],
        record: dict[str, Any],
    ) -> None:
        if at not in self.moments:
            # The generator's times are naive UTC; an entry's time is aware.
            aware = at.replace(tzinfo=UTC)
            self.moments[at] = (aware, int(aware.timestamp()))
        moment, seconds = self.moments[at]
        self.keys.append((seconds, RANK[kind], row_id))
        username = self.directory.usernames[actor] if actor is not None else None
        self.events.append(
            self.make(kind=kind, actor=username, subject=subject, record=record, at=moment)
        )

    def in_order(self) -> list[Any]:
        if not self.keys:
            return []
        keys = np.array(self.keys, dtype=np.int64)
        order = np.lexsort((keys[:, 2], keys[:, 1], keys[:, 0]))
        return [self.events[i] for i in order.tolist()]

    def text_hash(self, text: str) -> str | None:
        """A note or reason as the services record it: the hash of its text, None for none.
        Texts repeat across cases: each distinct one is hashed once."""
        if text not in self.hashes:
            self.hashes[text] = content_hash(text) if text else None
        return self.hashes[text]

    def rows(self, table: str) -> list[dict[str, Any]]:
        columns = self.tables.get(table, {})
        names = list(columns)
        values = [_plain(columns[name]) for name in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]

    def case_subject(self, case_id: int) -> dict[str, str]:
        return {"case": self.references[case_id]}

    # Cases ----------------------------------------------------------------------------------

    def cases(self) -> None:
        opening = {
            row["case_id"]: row for row in self.rows("bucket_change") if row["cause"] == OPENED
        }
        accounts: dict[int, list[str]] = {}
        for link in self.rows("case_account"):
            accounts.setdefault(link["case_id"], []).append(
                self.account_numbers[link["account_id"]]
            )
        for case in self.rows("case"):
            first = opening[case["id"]]
            self.add(
                "case.opened",
                case["id"],
                local(case["opened_on"], NIGHTLY_HOUR),
                None,
                self.case_subject(case["id"]),
                {
                    "bucket": first["to_bucket"],
                    "dpd": first["dpd"],
                    "past_due": money(first["cause_amount"]),
                    "accounts": sorted(accounts[case["id"]]),
                },
            )
        self._bucket_changes()
        self._status_changes()
        self._assignments()
        self._transfers()
        self._participants()
        self._entries()

    def _bucket_changes(self) -> None:
        for row in self.rows("bucket_change"):
            if row["cause"] == OPENED:
                continue  # the case's opening says it
            amount = row["cause_amount"]
            self.add(
                "case.bucket_changed",
                row["id"],
                local(row["on"], NIGHTLY_HOUR),
                None,
                self.case_subject(row["case_id"]),
                {
                    "on": row["on"].isoformat(),
                    "from": row["from_bucket"],
                    "to": row["to_bucket"],
                    "dpd": row["dpd"],
                    "cause": row["cause"],
                    "cause_date": row["cause_date"].isoformat(),
                    "cause_amount": money(amount) if amount is not None else None,
                },
            )

    def _status_changes(self) -> None:
        for row in self.rows("status_change"):
            if not row["from_status"]:
                continue  # the case's opening says it
            self.add(
                "case.status_changed",
                row["id"],
                row["at"],
                row["actor_id"],
                self.case_subject(row["case_id"]),
                {
                    "from": row["from_status"],
                    "to": row["to_status"],
                    "reason_hash": self.text_hash(row["reason"]),
                },
            )

    def _assignments(self) -> None:
        for row in self.rows("assignment"):
            if row["agent_id"] is None:
                continue  # the branch's own queue, when a case opens or arrives by transfer
            self.add(
                "case.assigned",
                row["id"],
                row["started_at"],
                row["assigned_by_id"],
                self.case_subject(row["case_id"]),
                {
                    "agent": self.directory.employee_numbers[row["agent_id"]],
                    "team": row["team_id"],
                    "reason_hash": self.text_hash(row["reason"]),
                },
            )

    def _transfers(self) -> None:
        for row in self.rows("transfer"):
            codes = self.directory.branch_codes
            self.add(
                "case.transferred",
                row["id"],
                row["at"],
                row["by_id"],
                self.case_subject(row["case_id"]),
                {
                    "from_branch": codes[row["from_branch_id"]],
                    "to_branch": codes[row["to_branch_id"]],
                    "reason_hash": self.text_hash(row["reason"]),
                },
            )

    def _participants(self) -> None:
        for row in self.rows("participant"):
            self.add(
                "case.participant_added",
                row["id"],
                row["added_at"],
                row["added_by_id"],
                self.case_subject(row["case_id"]),
                {
                    "staff": self.directory.employee_numbers[row["staff_id"]],
                    "capacity": row["capacity"],
                },
            )

    def _entries(self) -> None:
        for row in self.rows("entry"):
            self.add(
                "case.entry_added",
                row["id"],
                row["at"],
                row["author_id"],
                self.case_subject(row["case_id"]),
                {"kind": row["kind"], "text_hash": self.text_hash(row["body"])},
            )

    # Payments -------------------------------------------------------------------------------

    def payments(self) -> None:
        """Each payment posted in the evening batch of its value date, and each reversal in
        that of its day; on the case its account was in at the time, if any."""
        columns = self.tables.get("payment", {})
        on_case = _CaseTimes(self.rows("case"), self.rows("case_account"))
        batches: dict[date, datetime] = {}

        def batch(day: date) -> datetime:
            """The evening batch of ``day``, as naive UTC; each day computed once."""
            if day not in batches:
                batches[day] = local(day, POSTING_HOUR)
            return batches[day]

        for payment, account, transaction, cents, channel, paid_on, reversed_on in zip(
            *(
                _plain(columns.get(name, []))
                for name in ("id", "account_id", "external_id", "amount", "channel")
            ),
            _days(columns.get("paid_on", [])),
            _days(columns.get("reversed_on", [])),
            strict=True,
        ):
            subject = {"account": self.account_numbers[account], "payment": transaction}
            amount, paid = money(cents), paid_on.isoformat()
            at = batch(paid_on)
            self.add(
                "payment.posted",
                payment,
                at,
                None,
                on_case.subject(subject, account, at),
                {"amount": amount, "paid_on": paid, "channel": channel},
            )
            if reversed_on is not None:
                at = batch(reversed_on)
                self.add(
                    "payment.reversed",
                    payment,
                    at,
                    None,
                    on_case.subject(subject, account, at),
                    {"amount": amount, "paid_on": paid, "reversed_on": reversed_on.isoformat()},
                )


def _days(values: Any) -> list[Any]:
    """A date column (``datetime64[D]``, NaT for none) as dates and None."""
    days: list[Any] = np.asarray(values, dtype="datetime64[D]").astype(object).tolist()
    return days


class _CaseTimes:
    """Which case each account was in, when: from the case's opening (the nightly job) to its
    closing, or to now for a case still open."""

    def __init__(self, cases: list[dict[str, Any]], links: list[dict[str, Any]]) -> None:
        spans = {
            case["id"]: (
                local(case["opened_on"], NIGHTLY_HOUR),
                case["closed_at"],
                case["reference"],
            )
            for case in cases
        }
        self.spans: dict[int, list[tuple[datetime, datetime | None, str]]] = {}
        for link in links:
            self.spans.setdefault(link["account_id"], []).append(spans[link["case_id"]])

    def subject(self, subject: dict[str, str], account: int, at: datetime) -> dict[str, str]:
        for opened, closed, reference in self.spans.get(account, ()):
            if opened <= at and (closed is None or at <= closed):
                return {**subject, "case": reference}
        return subject
