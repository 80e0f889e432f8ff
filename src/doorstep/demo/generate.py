"""The demo bank as plain rows: a pure generator the loader writes to the database.

No Django here. ``bank()`` yields blocks of rows, table by table in foreign-key order, with the
primary keys already assigned from ``first_id`` so that one block's statements can point at its
accounts without asking the database. Each block of ``BLOCK_ACCOUNTS`` accounts draws from its
own random stream (seed, block number), so the data depends only on the seed, the as-of date and
the number of accounts, never on how the loader batches its writes.

Column conventions (the loader relies on them): money and other decimals are integers in units of
the field's last decimal place (cents; millionths of a degree; ten-thousandths of a rate); dates
are ``datetime64[D]`` and times ``datetime64[s]`` in UTC, NaT meaning NULL; lists may hold None.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from doorstep.cases.delinquency import Due, History, Paid
from doorstep.demo import history, names, people, places, staffing
from doorstep.demo.casework import CaseRows, Casework, Conventions, Crew, Subject, local
from doorstep.demo.episodes import KEPT_FROM_DPD, customer_episodes, late_spells

BLOCK_ACCOUNTS = 10_000
Column = npt.NDArray[Any] | list[Any]
Tables = dict[str, dict[str, Column]]

# Every table the demo fills, in the order rows must be written.
TABLES = (
    "branch",
    "team",
    "user",
    "staff",
    "customer",
    "phone",
    "address",
    "account",
    "guarantor",
    "statement",
    "payment",
    "case",
    "case_account",
    "participant",
    "status_change",
    "assignment",
    "bucket_change",
    "transfer",
    "entry",
)
CASE_TABLES = TABLES[TABLES.index("case") :]
# How many accounts each customer holds.
ACCOUNTS_PER_CUSTOMER = (np.array([1, 2, 3]), np.array([0.66, 0.26, 0.08]))
VERIFICATION = ("verified", "unverified", "wrong_number", "disconnected")


@dataclass(frozen=True)
class Block:
    tables: Tables
    accounts: int  # how many accounts the block holds, for progress bars


def block_sizes(accounts: int) -> list[int]:
    full, rest = divmod(accounts, BLOCK_ACCOUNTS)
    return [BLOCK_ACCOUNTS] * full + ([rest] if rest else [])


def bank(
    *,
    seed: int,
    as_of: date,
    accounts: int,
    first_id: Mapping[str, int],
    conventions: Conventions,
) -> Iterator[Block]:
    """The staff first, then the customers, their accounts and cases, block by block."""
    next_id = {table: first_id.get(table, 1) for table in TABLES}
    crew = Crew(
        user=tuple(next_id["user"] + i for i in range(len(staffing.STAFF))),
        staff=tuple(next_id["staff"] + i for i in range(len(staffing.STAFF))),
        team=tuple(
            next_id["team"] + s.team if s.team is not None else None for s in staffing.STAFF
        ),
        branch_ids=tuple(next_id["branch"] + b for b in range(len(places.BRANCHES))),
    )
    yield Block(_staff_tables(next_id, as_of, conventions), 0)
    for number, size in enumerate(block_sizes(accounts)):
        rng = np.random.default_rng([seed, number])
        yield Block(_account_block(rng, size, as_of, next_id, crew, conventions), size)


def _ids(next_id: dict[str, int], table: str, count: int) -> npt.NDArray[np.int64]:
    first = next_id[table]
    next_id[table] = first + count
    return np.arange(first, first + count, dtype=np.int64)


def _staff_tables(next_id: dict[str, int], as_of: date, conventions: Conventions) -> Tables:
    branch_ids = _ids(next_id, "branch", len(places.BRANCHES))
    team_ids = _ids(next_id, "team", len(staffing.TEAMS))
    user_ids = _ids(next_id, "user", len(staffing.STAFF))
    staff_ids = _ids(next_id, "staff", len(staffing.STAFF))
    sites = places.BRANCHES
    joined = local(as_of - timedelta(days=400), 9)
    start = staffing.start_locations()
    people_ = staffing.STAFF
    return {
        "branch": {
            "id": branch_ids,
            "code": [b.code for b in sites],
            "name": [b.name for b in sites],
            "city": [places.CITY] * len(sites),
            "address": [b.address for b in sites],
            "latitude": [round(b.latitude * 1_000_000) for b in sites],
            "longitude": [round(b.longitude * 1_000_000) for b in sites],
            "timezone": ["Asia/Shanghai"] * len(sites),
        },
        "team": {
            "id": team_ids,
            "branch_id": [int(branch_ids[t.branch]) for t in staffing.TEAMS],
            "name": [t.name for t in staffing.TEAMS],
            "kind": [t.kind for t in staffing.TEAMS],
        },
        "user": {
            "id": user_ids,
            "password": [conventions.password_hash] * len(people_),
            "last_login": [None] * len(people_),
            "is_superuser": [s.role == "head_office_admin" for s in people_],
            "username": [s.username for s in people_],
            "first_name": [s.display_name[1:] for s in people_],
            "last_name": [s.display_name[:1] for s in people_],
            "email": [""] * len(people_),
            "is_staff": [s.role == "head_office_admin" for s in people_],
            "is_active": [True] * len(people_),
            "date_joined": [joined] * len(people_),
        },
        "staff": {
            "id": staff_ids,
            "user_id": user_ids,
            "role": [s.role for s in people_],
            "branch_id": [
                int(branch_ids[s.branch]) if s.branch is not None else None for s in people_
            ],
            "team_id": [int(team_ids[s.team]) if s.team is not None else None for s in people_],
            "display_name": [s.display_name for s in people_],
            "employee_number": [f"HZ{i + 1:04d}" for i in range(len(people_))],
            "skills": [list(s.skills) for s in people_],
            "years_experience": [s.years_experience for s in people_],
            "languages": [_languages_spoken(i) for i in range(len(people_))],
            "home_latitude": np.round(start[:, 0] * 1_000_000).astype(np.int64),
            "home_longitude": np.round(start[:, 1] * 1_000_000).astype(np.int64),
            "is_active": [True] * len(people_),
        },
    }


def _accounts_per_customer(rng: np.random.Generator, size: int) -> npt.NDArray[np.int64]:
    """Accounts each customer holds, adding up to exactly ``size``."""
    values, weights = ACCOUNTS_PER_CUSTOMER
    counts = rng.choice(values, size=size, p=weights).astype(np.int64)
    total = np.cumsum(counts)
    customers = int(np.searchsorted(total, size)) + 1
    counts = counts[:customers]
    counts[-1] -= int(total[customers - 1]) - size
    return counts


def _account_block(
    rng: np.random.Generator,
    size: int,
    as_of: date,
    next_id: dict[str, int],
    crew: Crew,
    conventions: Conventions,
) -> Tables:
    per_customer = _accounts_per_customer(rng, size)
    folk = people.draw_people(rng, len(per_customer), as_of)
    self_employed = np.array([o == "个体工商户" for o in folk.occupation])
    accounts = history.draw_accounts(rng, per_customer, self_employed, folk.monthly_income, as_of)
    ledger = history.simulate(rng, accounts, folk.risk, as_of)

    customer_ids = _ids(next_id, "customer", len(folk))
    account_ids = _ids(next_id, "account", len(accounts))
    tables: Tables = {}
    tables["customer"] = _customers(folk, customer_ids, accounts)
    tables["phone"] = _phones(rng, folk, customer_ids, next_id)
    tables["address"] = _addresses(folk, customer_ids, next_id)
    rows = CaseRows(next_id)
    charged_off = _cases(
        rng, folk, accounts, ledger, customer_ids, account_ids, rows, crew, conventions, as_of
    )
    tables["account"] = _accounts(
        accounts, ledger, folk, customer_ids, account_ids, crew, charged_off
    )
    tables["guarantor"] = _guarantors(rng, accounts, customer_ids, account_ids, next_id)
    tables["statement"] = _statements(ledger, account_ids, next_id)
    tables["payment"] = _payments(ledger, account_ids, next_id)
    for table in CASE_TABLES:
        tables[table] = dict(rows.tables.get(table, {}))
    return tables


def _preferred_language(customer_id: int) -> str:
    """Most of a Hangzhou bank's debtors prefer Mandarin; some Wu, Cantonese or English."""
    if customer_id % 23 == 0:
        return "wuu"
    if customer_id % 41 == 0:
        return "yue"
    if customer_id % 97 == 0:
        return "en"
    return "zh-hans"


def _languages_spoken(index: int) -> list[str]:
    """Everyone speaks Mandarin; some staff also Wu, Cantonese or English."""
    spoken = ["zh-hans"]
    if index % 4 == 1:
        spoken.append("wuu")
    if index % 9 == 2:
        spoken.append("yue")
    if index % 6 == 5:
        spoken.append("en")
    return spoken


def _customers(
    folk: people.People, ids: npt.NDArray[np.int64], accounts: history.Accounts
) -> dict[str, Column]:
    # A customer is on file from the day their first account was opened.
    first = np.r_[0, np.flatnonzero(np.diff(accounts.customer)) + 1]
    since = np.minimum.reduceat(accounts.opened_on.astype(np.int64), first).astype("datetime64[D]")
    created = since.astype("datetime64[s]") + np.timedelta64(2, "h")  # 10:00 in Hangzhou
    has_assets = folk.assets_value > 0
    return {
        "id": ids,
        "external_id": [f"CU{i:08d}" for i in ids.tolist()],
        "name": folk.name,
        "national_id": folk.national_id,
        "gender": folk.gender,
        "birth_date": folk.birth_date,
        "employer": folk.employer,
        "occupation": folk.occupation,
        "monthly_income": folk.monthly_income,
        "assets_value": [
            v if h else None for v, h in zip(folk.assets_value.tolist(), has_assets, strict=True)
        ],
        "assets_description": folk.assets_description,
        "household_size": folk.household_size,
        "dependants": folk.dependants,
        "other_debts_declared": folk.other_debts,
        "preferred_language": [_preferred_language(i) for i in ids.tolist()],
        # Made-up addresses on a reserved-style domain; one customer in five gave none.
        "email": [f"cu{i:08d}@mail.example.cn" if i % 5 else "" for i in ids.tolist()],
        "created_at": created,
        "updated_at": created,
    }


def _phones(
    rng: np.random.Generator,
    folk: people.People,
    ids: npt.NDArray[np.int64],
    next_id: dict[str, int],
) -> dict[str, Column]:
    n = len(folk)
    second = np.array([bool(p) for p in folk.second_phone])
    owner = np.r_[ids, ids[second]]
    order = np.argsort(owner, kind="stable")
    number = [*folk.mobile, *(p for p in folk.second_phone if p)]
    kind = ["mobile"] * n + [k for k in folk.second_phone_kind if k]
    primary = np.r_[np.ones(n, bool), np.zeros(int(second.sum()), bool)]
    status = np.r_[
        rng.choice(4, size=n, p=[0.8, 0.12, 0.05, 0.03]),
        rng.choice(4, size=int(second.sum()), p=[0.4, 0.55, 0.03, 0.02]),
    ]
    return {
        "id": _ids(next_id, "phone", len(owner)),
        "customer_id": owner[order],
        "number": [number[i] for i in order.tolist()],
        "kind": [kind[i] for i in order.tolist()],
        "verification": [VERIFICATION[status[i]] for i in order.tolist()],
        "is_primary": primary[order],
    }


def _addresses(
    folk: people.People, ids: npt.NDArray[np.int64], next_id: dict[str, int]
) -> dict[str, Column]:
    works = folk.work_district >= 0
    owner = np.r_[ids, ids[works]]
    order = np.argsort(owner, kind="stable")
    district = np.r_[folk.district, folk.work_district[works]][order]
    line = [*folk.home_line, *(w for w in folk.work_line if w)]
    return {
        "id": _ids(next_id, "address", len(owner)),
        "customer_id": owner[order],
        "kind": [("home" if i < len(folk) else "work") for i in order.tolist()],
        "province": [places.PROVINCE] * len(owner),
        "city": [places.CITY] * len(owner),
        "district": [places.DISTRICTS[d].name for d in district.tolist()],
        "line": [line[i] for i in order.tolist()],
        "postcode": [places.DISTRICTS[d].postcode for d in district.tolist()],
        "latitude": np.r_[folk.home_lat, folk.work_lat[works]][order],
        "longitude": np.r_[folk.home_lon, folk.work_lon[works]][order],
        "timezone": ["Asia/Shanghai"] * len(owner),
    }


def _luhn(body: npt.NDArray[np.int64], digits: int) -> npt.NDArray[np.int64]:
    """The Luhn check digit of ``digits``-digit numbers, so card numbers look like card numbers."""
    total = np.zeros(len(body), np.int64)
    rest = body.copy()
    for position in range(digits):  # from the rightmost digit, which is doubled
        digit = rest % 10
        rest //= 10
        if position % 2 == 0:
            digit = digit * 2
            digit = np.where(digit > 9, digit - 9, digit)
        total += digit
    return (10 - total % 10) % 10


def _accounts(
    accounts: history.Accounts,
    ledger: history.Ledger,
    folk: people.People,
    customer_ids: npt.NDArray[np.int64],
    ids: npt.NDArray[np.int64],
    crew: Crew,
    charged_off: set[int],
) -> dict[str, Column]:
    card = accounts.product == history.CARD
    card_body = 629_901_000_000_000 + ids  # an unassigned UnionPay range: fifteen digits
    card_number = card_body * 10 + _luhn(card_body, 15)
    opened_month = np.datetime_as_string(accounts.opened_on, unit="M")
    external = [
        str(c) if is_card else f"LN{m.replace('-', '')}{i:08d}"
        for c, is_card, m, i in zip(
            card_number.tolist(), card, opened_month.tolist(), ids.tolist(), strict=True
        )
    ]
    status = np.where(ledger.repaid, "closed", "open").astype(object)
    if charged_off:
        status[list(charged_off)] = "charged_off"
    created = accounts.opened_on.astype("datetime64[s]") + np.timedelta64(2, "h")
    branch_ids = np.array(crew.branch_ids)[folk.branch[accounts.customer]]
    return {
        "id": ids,
        "external_id": external,
        "customer_id": customer_ids[accounts.customer],
        "branch_id": branch_ids,
        "product": np.array(history.PRODUCTS)[accounts.product],
        "currency": ["CNY"] * len(accounts),
        "credit_limit": [
            v if c else None for v, c in zip(accounts.credit_limit.tolist(), card, strict=True)
        ],
        "principal": [
            None if c else v for v, c in zip(accounts.principal.tolist(), card, strict=True)
        ],
        "term_months": [
            None if c else v for v, c in zip(accounts.term.tolist(), card, strict=True)
        ],
        "opened_on": accounts.opened_on,
        "interest_rate": accounts.rate,
        "due_day": accounts.due_day,
        "status": status.tolist(),
        "created_at": created,
        "updated_at": created,
    }


def _guarantors(
    rng: np.random.Generator,
    accounts: history.Accounts,
    customer_ids: npt.NDArray[np.int64],
    account_ids: npt.NDArray[np.int64],
    next_id: dict[str, int],
) -> dict[str, Column]:
    """Some personal and business loans are guaranteed by another customer of the bank."""
    chance = np.select(
        [accounts.product == history.BUSINESS, accounts.product == history.PERSONAL],
        [0.5, 0.2],
        0.0,
    )
    guaranteed = np.flatnonzero(rng.random(len(accounts)) < chance)
    customers = len(customer_ids)
    if customers < 2:
        guaranteed = guaranteed[:0]
    owner = accounts.customer[guaranteed]
    other = (owner + rng.integers(1, max(customers, 2), size=len(guaranteed))) % max(customers, 1)
    share = rng.choice([1.0, 0.8, 0.5], size=len(guaranteed), p=[0.6, 0.25, 0.15])
    amount = np.round(accounts.principal[guaranteed] * share / 100) * 100
    relationship = rng.integers(0, len(names.GUARANTOR_RELATIONSHIPS), size=len(guaranteed))
    return {
        "id": _ids(next_id, "guarantor", len(guaranteed)),
        "account_id": account_ids[guaranteed],
        "guarantor_id": customer_ids[other],
        "relationship": [names.GUARANTOR_RELATIONSHIPS[r] for r in relationship.tolist()],
        "guaranteed_amount": amount.astype(np.int64),
    }


def _statements(
    ledger: history.Ledger, account_ids: npt.NDArray[np.int64], next_id: dict[str, int]
) -> dict[str, Column]:
    return {
        "id": _ids(next_id, "statement", len(ledger.st_account)),
        "account_id": account_ids[ledger.st_account],
        "statement_date": ledger.st_billed,
        "due_date": ledger.st_due,
        "principal_due": ledger.st_principal,
        "interest_due": ledger.st_interest,
        "fee_due": ledger.st_fee,
        "closing_balance": ledger.st_closing,
    }


def _payments(
    ledger: history.Ledger, account_ids: npt.NDArray[np.int64], next_id: dict[str, int]
) -> dict[str, Column]:
    ids = _ids(next_id, "payment", len(ledger.pay_account))
    return {
        "id": ids,
        "account_id": account_ids[ledger.pay_account],
        "external_id": np.strings.add("TX", np.strings.zfill(ids.astype(str), 12)),
        "paid_on": ledger.pay_date,
        "amount": ledger.pay_amount,
        "channel": np.array(history.CHANNELS)[ledger.pay_channel],
        "reversed_on": ledger.pay_reversed,
        # Posted in the evening batch, 21:00 in Hangzhou.
        "created_at": ledger.pay_date.astype("datetime64[s]") + np.timedelta64(13, "h"),
    }


def _decimal(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


class Histories(Mapping[int, History]):
    """What ``cases.delinquency`` needs about an account (an index into the block), built from
    the ledger on first use: most accounts are never asked about."""

    def __init__(self, ledger: history.Ledger, accounts: int) -> None:
        self.ledger = ledger
        self.accounts = accounts
        everyone = np.arange(accounts + 1)
        self.st_from = np.searchsorted(ledger.st_account, everyone)
        self.pay_from = np.searchsorted(ledger.pay_account, everyone)
        self.known: dict[int, History] = {}

    def __getitem__(self, account: int) -> History:
        if account not in self.known:
            self.known[account] = self._build(account)
        return self.known[account]

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.accounts))

    def __len__(self) -> int:
        return self.accounts

    def _build(self, account: int) -> History:
        ledger = self.ledger
        st = slice(self.st_from[account], self.st_from[account + 1])
        pay = slice(self.pay_from[account], self.pay_from[account + 1])
        dues = tuple(
            Due(billed, due, _decimal(principal), _decimal(interest), _decimal(fee))
            for billed, due, principal, interest, fee in zip(
                ledger.st_billed[st].astype(object).tolist(),
                ledger.st_due[st].astype(object).tolist(),
                ledger.st_principal[st].tolist(),
                ledger.st_interest[st].tolist(),
                ledger.st_fee[st].tolist(),
                strict=True,
            )
        )
        paid = tuple(
            Paid(on, _decimal(amount), reversed_on)
            for on, amount, reversed_on in zip(
                ledger.pay_date[pay].astype(object).tolist(),
                ledger.pay_amount[pay].tolist(),
                ledger.pay_reversed[pay].astype(object).tolist(),
                strict=True,
            )
        )
        return History(dues, paid)


def late_accounts(ledger: history.Ledger, accounts: int, as_of: date) -> npt.NDArray[np.bool_]:
    """Accounts with less paid than fell due before ``as_of``: exactly those past due.

    Payments settle the oldest dues first, so something is past due exactly when everything paid
    (and not reversed) is less than everything that fell due before the day.
    """
    day = np.datetime64(as_of, "D")
    amounts = ledger.st_principal + ledger.st_interest + ledger.st_fee
    fell_due = np.bincount(
        ledger.st_account, weights=amounts * (ledger.st_due < day), minlength=accounts
    )
    stands = np.isnat(ledger.pay_reversed) | (ledger.pay_reversed > day)
    paid = np.bincount(ledger.pay_account, weights=ledger.pay_amount * stands, minlength=accounts)
    return paid < fell_due


def _cases(
    rng: np.random.Generator,
    folk: people.People,
    accounts: history.Accounts,
    ledger: history.Ledger,
    customer_ids: npt.NDArray[np.int64],
    account_ids: npt.NDArray[np.int64],
    rows: CaseRows,
    crew: Crew,
    conventions: Conventions,
    as_of: date,
) -> set[int]:
    """Write the case files of the block's customers; return the accounts to mark charged off."""
    late = late_accounts(ledger, len(accounts), as_of)
    spells = late_spells(
        st_account=ledger.st_account,
        st_due=ledger.st_due,
        st_amount=ledger.st_principal + ledger.st_interest + ledger.st_fee,
        pay_account=ledger.pay_account,
        pay_date=ledger.pay_date,
        pay_amount=ledger.pay_amount,
        pay_reversed=ledger.pay_reversed,
        as_of=as_of,
    )
    kept = ~np.isnat(spells.end) & (spells.worst_dpd >= KEPT_FROM_DPD)
    troubled = np.union1d(accounts.customer[late], accounts.customer[spells.account[kept]])
    known = Histories(ledger, len(accounts))
    by_customer: dict[int, list[tuple[int, date, date | None, int]]] = {}
    ends = spells.end.astype(object).tolist()
    for account, start, end, worst in zip(
        spells.account.tolist(),
        spells.start.astype(object).tolist(),
        ends,
        spells.worst_dpd.tolist(),
        strict=True,
    ):
        by_customer.setdefault(int(accounts.customer[account]), []).append(
            (account, start, end, worst)
        )
    late_by_customer: dict[int, list[int]] = {}
    for account in np.flatnonzero(late).tolist():
        late_by_customer.setdefault(int(accounts.customer[account]), []).append(account)

    work = Casework(rng, rows, crew, conventions, as_of)
    charged_off: set[int] = set()
    for customer in troubled.tolist():
        found = customer_episodes(
            known, by_customer.get(customer, []), late_by_customer.get(customer, []), as_of
        )
        for episode in found:
            subject = Subject(
                customer_id=int(customer_ids[customer]),
                account_ids=tuple(int(account_ids[a]) for a in episode.accounts),
                branch=int(folk.branch[customer]),
                district=int(folk.district[customer]),
            )
            work.write(subject, episode)
            charged_off.update(
                a for a, dpd in zip(episode.accounts, episode.account_dpd, strict=True) if dpd > 180
            )
    return charged_off
