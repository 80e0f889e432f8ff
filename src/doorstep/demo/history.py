"""Accounts and their statements and payments, simulated month by month with numpy.

Pure (no Django). Each account bills one due a month (a card's minimum payment, a loan's
instalment) for its last 12–24 months. How the customer answers each due follows a state model
on how many dues they are behind:

* up to date: most pay on time; a few pay some days late, pay part, or miss; an automatic debit
  now and then bounces and is reversed, and is usually paid again;
* behind: they cure (pay everything), hold (pay this month's due, staying as far behind), pay part,
  or miss again and roll into the next bucket. Cure rates fall and roll rates rise with each
  month behind, as in real collections portfolios (roughly 25% M1→M2, 50% M2→M3, 70% later).

A customer's ``risk`` scales the chance of slipping. Missed dues draw a late fee (cards, 5% of
what was unpaid) or penalty interest (loans) on the next statement; loans amortise with equal
instalments; cards bill a minimum of 10% of the balance (at least 100 CNY) plus interest, and
stop spending once two dues behind. Days past due are never simulated directly: they follow from
these rows through ``cases.delinquency``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]
BoolArray = npt.NDArray[np.bool_]

PRODUCTS = ("credit_card", "personal_loan", "consumer_loan", "business_loan")
CARD, PERSONAL, CONSUMER, BUSINESS = range(4)
CHANNELS = ("transfer", "auto_debit", "counter", "mobile", "third_party")
TRANSFER, AUTO_DEBIT, COUNTER, MOBILE, THIRD_PARTY = range(5)

# Days between the statement and the due date.
GRACE_DAYS = np.array([20, 15, 15, 15], dtype=np.int64)
NAT = np.datetime64("NaT", "D")

# Behaviour while behind, by dues behind (index 1..7; 7 = more than six): cure, hold, partial.
CURE = np.array([0, 0.45, 0.30, 0.22, 0.16, 0.14, 0.12, 0.10])
HOLD = np.array([0, 0.25, 0.20, 0.15, 0.12, 0.10, 0.08, 0.06])
PARTIAL = np.array([0, 0.10, 0.10, 0.08, 0.06, 0.05, 0.05, 0.04])
# While up to date, per unit of risk: miss, pay part, pay late; and bounced automatic debits.
MISS_0, PARTIAL_0, LATE_0, BOUNCE_0 = 0.005, 0.0035, 0.03, 0.004
MAX_BEHIND = 7


@dataclass(frozen=True)
class Accounts:
    """One row per account. Money in cents, rates in ten-thousandths (1825 = 18.25%)."""

    customer: IntArray  # index into the block's customers
    product: IntArray
    credit_limit: IntArray  # 0 for loans
    principal: IntArray  # 0 for cards
    term: IntArray  # months; 0 for cards
    rate: IntArray
    due_day: IntArray
    months: IntArray  # statements billed by the as-of date
    opened_on: DateArray
    channel: IntArray  # how the customer usually pays

    def __len__(self) -> int:
        return len(self.customer)


@dataclass(frozen=True)
class Ledger:
    """Statements in account then due-date order; payments in account then value-date order.

    ``account`` columns index into ``Accounts``; ``reversed_on`` is NaT for payments that stand.
    """

    st_account: IntArray
    st_billed: DateArray
    st_due: DateArray
    st_principal: IntArray
    st_interest: IntArray
    st_fee: IntArray
    st_closing: IntArray
    pay_account: IntArray
    pay_date: DateArray
    pay_amount: IntArray
    pay_channel: IntArray
    pay_reversed: DateArray
    # Whether each loan's last instalment is billed and everything is paid.
    repaid: BoolArray


def draw_accounts(
    rng: np.random.Generator,
    per_customer: IntArray,
    occupation_self_employed: BoolArray,
    income: IntArray,
    as_of: date,
) -> Accounts:
    """Accounts for customers owning ``per_customer`` accounts each, in customer order."""
    customer = np.repeat(np.arange(len(per_customer), dtype=np.int64), per_customer)
    n = len(customer)
    business_p = np.where(occupation_self_employed[customer], 0.25, 0.03)
    u = rng.random(n)
    product = np.where(
        u < business_p,
        BUSINESS,
        np.where(u < business_p + 0.58, CARD, np.where(u < business_p + 0.78, CONSUMER, PERSONAL)),
    ).astype(np.int64)
    # One card per customer: a second card becomes a consumer loan.
    product = np.where(
        (product == CARD) & ~_first_of_kind(customer, product == CARD), CONSUMER, product
    )
    months = rng.integers(12, 25, size=n).astype(np.int64)
    income_k = np.maximum(income[customer], 100_000) / 750_000

    limit = _round_to(rng.lognormal(np.log(30_000), 0.6, n) * income_k**0.5 * 100, 100_000)
    limit = np.clip(limit, 500_000, 30_000_000)
    median = np.array([0, 100_000, 20_000, 300_000])[product]
    step = np.array([0, 100_000, 10_000, 1_000_000])[product]
    low = np.array([0, 2_000_000, 300_000, 5_000_000])[product]
    high = np.array([0, 50_000_000, 10_000_000, 300_000_000])[product]
    principal = np.clip(
        _round_to(rng.lognormal(0, 0.6, n) * median * 100 * income_k**0.3, np.maximum(step, 1)),
        low,
        high,
    )
    is_card = product == CARD
    term = _terms(rng, product, months)
    rate = np.select(
        [is_card, product == PERSONAL, product == CONSUMER],
        [
            np.full(n, 1825),
            rng.integers(8, 25, size=n) * 50,
            rng.integers(12, 37, size=n) * 50,
        ],
        rng.integers(7, 17, size=n) * 50,
    ).astype(np.int64)
    due_day = rng.integers(1, 29, size=n).astype(np.int64)
    first_due = _due_dates(as_of, product, due_day, months)[:, 0]
    opened = np.where(
        is_card,
        first_due - rng.integers(30, 2400, size=n),
        first_due - rng.integers(25, 41, size=n),
    )
    channel = rng.choice(5, size=n, p=[0.10, 0.35, 0.05, 0.30, 0.20]).astype(np.int64)
    return Accounts(
        customer=customer,
        product=product,
        credit_limit=np.where(is_card, limit, 0).astype(np.int64),
        principal=np.where(is_card, 0, principal).astype(np.int64),
        term=np.where(is_card, 0, term).astype(np.int64),
        rate=rate,
        due_day=due_day,
        months=months,
        opened_on=opened.astype("datetime64[D]"),
        channel=channel,
    )


def _first_of_kind(group: IntArray, flag: BoolArray) -> BoolArray:
    """True where ``flag`` holds for the first time within each run of equal ``group``."""
    running: IntArray = np.cumsum(flag, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    before: IntArray = np.repeat(running[starts] - flag[starts], np.diff(np.r_[starts, len(group)]))
    first: BoolArray = flag & (running - before == 1)
    return first


def _round_to(values: FloatArray, step: IntArray | int) -> IntArray:
    rounded: IntArray = (np.round(values / step) * step).astype(np.int64)
    return rounded


def _terms(rng: np.random.Generator, product: IntArray, months: IntArray) -> IntArray:
    """Loan terms long enough to have billed ``months`` instalments (12 only if exactly 12)."""
    choices = np.array([12, 24, 36, 48, 60])
    pick = rng.random(len(product))
    allowed = choices[None, :] >= months[:, None]
    weights = allowed * np.array([0.25, 0.3, 0.25, 0.1, 0.1])[None, :]
    cumulative = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    index = (pick[:, None] > cumulative).sum(axis=1)
    terms: IntArray = choices[np.minimum(index, 4)].astype(np.int64)
    return terms


def _due_dates(as_of: date, product: IntArray, due_day: IntArray, months: IntArray) -> DateArray:
    """Each account's due dates, oldest first, padded to 24 columns: the last is the latest due
    whose statement is out by ``as_of``."""
    day = np.datetime64(as_of, "D")
    this_month = np.datetime64(as_of, "M")
    next_due = (this_month + 1).astype("datetime64[D]") + (due_day - 1)
    this_due = this_month.astype("datetime64[D]") + (due_day - 1)
    grace = GRACE_DAYS[product]
    last_month = np.where(next_due - grace <= day, this_month + 1, this_month)
    last_month = np.where(
        (next_due - grace > day) & (this_due - grace > day), this_month - 1, last_month
    )
    first_month = last_month - (months - 1)
    grid = first_month[:, None] + np.arange(24)[None, :]
    return cast(DateArray, grid.astype("datetime64[D]") + (due_day - 1)[:, None])


def simulate(rng: np.random.Generator, accounts: Accounts, risk: FloatArray, as_of: date) -> Ledger:
    """Bill every account month by month and draw how its customer pays."""
    n = len(accounts)
    steps = int(accounts.months.max()) if n else 0
    day = np.datetime64(as_of, "D")
    due = _due_dates(as_of, accounts.product, accounts.due_day, accounts.months)[:, :steps]
    billed = due - GRACE_DAYS[accounts.product][:, None]
    valid = np.arange(steps)[None, :] < accounts.months[:, None]
    is_card = accounts.product == CARD
    rate = accounts.rate / 10_000 / 12  # monthly
    fee_rate = np.where(is_card, 0.05, rate * 1.5)
    account_risk = risk[accounts.customer]
    usual = accounts.channel

    shape = (n, steps)
    principal_due, interest_due, fee_due, closing = (np.zeros(shape, np.int64) for _ in range(4))
    pay = {name: np.zeros((n, steps, 2), np.int64) for name in ("amount", "channel")}
    pay_date = np.full((n, steps, 2), NAT)
    pay_reversed = np.full((n, steps, 2), NAT)

    balance = np.where(
        is_card,
        (accounts.credit_limit * rng.uniform(0.15, 0.85, n)).astype(np.int64),
        accounts.principal,
    )
    instalment = np.where(
        is_card,
        0,
        np.round(accounts.principal * rate / (1 - (1 + rate) ** -np.maximum(accounts.term, 1))),
    ).astype(np.int64)
    behind = np.zeros(n, np.int64)
    owed = np.zeros(n, np.int64)  # billed and not yet paid
    unpaid_at_due = np.zeros(n, np.int64)

    for j in range(steps):
        live = valid[:, j]
        d = due[:, j]
        # What this statement bills.
        fee = np.round(unpaid_at_due * fee_rate).astype(np.int64)
        card_principal = np.minimum(balance, np.maximum(10_000, np.round(balance * 0.1))).astype(
            np.int64
        )
        card_interest = np.round((balance - card_principal) * rate).astype(np.int64)
        loan_interest = np.round(balance * rate).astype(np.int64)
        last = j == accounts.term - 1
        loan_principal = np.where(last, balance, np.minimum(balance, instalment - loan_interest))
        principal = np.where(is_card, card_principal, loan_principal)
        interest = np.where(is_card, card_interest, loan_interest)
        amount = principal + interest + fee

        action, paid_part = _behaviour(rng, behind, account_risk, usual)
        slots = _payments(rng, action, paid_part, amount, owed, d, usual)
        # Only what happened by the as-of date is stored, and counts.
        for s, (value, when, channel, reversed_on) in enumerate(slots):
            happened = live & (value > 0) & (when <= day)
            reversed_on = np.where(reversed_on <= day, reversed_on, NAT)
            pay["amount"][:, j, s] = np.where(happened, value, 0)
            pay["channel"][:, j, s] = channel
            pay_date[:, j, s] = np.where(happened, when, NAT)
            pay_reversed[:, j, s] = np.where(happened, reversed_on, NAT)
        amounts = pay["amount"][:, j, :]
        stands = np.isnat(pay_reversed[:, j, :])
        paid = (amounts * stands).sum(axis=1)
        on_time = (
            amounts
            * (pay_date[:, j, :] <= d[:, None])
            * (stands | (pay_reversed[:, j, :] > d[:, None]))
        ).sum(axis=1)

        principal_due[:, j] = np.where(live, principal, 0)
        interest_due[:, j] = np.where(live, interest, 0)
        fee_due[:, j] = np.where(live, fee, 0)
        remaining = balance - principal
        closing[:, j] = np.where(live, remaining + owed + amount, 0)

        new_owed = owed + amount - paid
        new_unpaid_at_due = np.maximum(owed + amount - on_time, 0)
        next_behind = np.where(
            np.isin(action, (ONTIME, LATE, CURED)),
            0,
            np.where(action == HELD, behind, np.minimum(behind + 1, MAX_BEHIND)),
        )
        next_behind = np.where(action == BOUNCED, np.where(paid > 0, 0, 1), next_behind)
        next_behind = np.where(new_owed <= 0, 0, np.maximum(next_behind, 1))
        # Spending on the card goes on while the customer keeps up.
        spend = np.round(card_principal * rng.uniform(0.5, 1.5, n)).astype(np.int64)
        spend = np.where(
            is_card & (next_behind < 2), np.minimum(spend, accounts.credit_limit - remaining), 0
        )

        balance = np.where(live, remaining + np.maximum(spend, 0), balance)
        owed = np.where(live, new_owed, owed)
        unpaid_at_due = np.where(live, new_unpaid_at_due, unpaid_at_due)
        behind = np.where(live, next_behind, behind)

    st_account = np.nonzero(valid)[0]
    flat = pay["amount"] > 0
    p_account, _, p_slot = np.nonzero(flat)
    order = np.lexsort((p_slot, pay_date[flat], p_account))
    repaid = (accounts.product != CARD) & (accounts.months == accounts.term) & (owed <= 0)
    return Ledger(
        st_account=st_account.astype(np.int64),
        st_billed=billed[valid],
        st_due=due[valid],
        st_principal=principal_due[valid],
        st_interest=interest_due[valid],
        st_fee=fee_due[valid],
        st_closing=closing[valid],
        pay_account=p_account[order].astype(np.int64),
        pay_date=pay_date[flat][order],
        pay_amount=pay["amount"][flat][order],
        pay_channel=pay["channel"][flat][order],
        pay_reversed=pay_reversed[flat][order],
        repaid=repaid & (due[np.arange(n), accounts.months - 1] < day),
    )


# What the customer does with this month's due.
ONTIME, LATE, PART, MISSED, CURED, HELD, BOUNCED = range(7)


def _behaviour(
    rng: np.random.Generator, behind: IntArray, risk: FloatArray, usual: IntArray
) -> tuple[IntArray, FloatArray]:
    u = rng.random(len(behind))
    part = rng.uniform(0.2, 0.8, len(behind))
    up_to_date = behind == 0
    miss = np.minimum(MISS_0 * risk, 0.3)
    partial = np.minimum(PARTIAL_0 * risk, 0.2)
    late = np.minimum(LATE_0 * np.sqrt(risk), 0.3)
    bounce = np.where(usual == AUTO_DEBIT, BOUNCE_0, 0.0)
    current = np.select(
        [
            u < miss,
            u < miss + partial,
            u < miss + partial + late,
            u < miss + partial + late + bounce,
        ],
        [MISSED, PART, LATE, BOUNCED],
        ONTIME,
    )
    cure = np.minimum(CURE[behind] / np.sqrt(risk), 0.9)
    hold = HOLD[behind]
    partial_behind = PARTIAL[behind]
    arrears = np.select(
        [u < cure, u < cure + hold, u < cure + hold + partial_behind], [CURED, HELD, PART], MISSED
    )
    return np.where(up_to_date, current, arrears).astype(np.int64), part


Slot = tuple[IntArray, DateArray, IntArray, DateArray]


def _payments(
    rng: np.random.Generator,
    action: IntArray,
    part: FloatArray,
    amount: IntArray,
    owed: IntArray,
    due: DateArray,
    usual: IntArray,
) -> tuple[Slot, Slot]:
    """Up to two payments for this due: the payment, and a second try after a bounce."""
    n = len(action)
    before = rng.integers(0, 16, n)
    after = rng.integers(2, 21, n)
    collected = rng.choice(5, size=n, p=[0.35, 0.0, 0.15, 0.30, 0.20])
    value = np.select(
        [np.isin(action, (ONTIME, LATE, HELD, BOUNCED)), action == PART, action == CURED],
        [amount, np.where(amount > 0, np.maximum(np.round(amount * part), 1), 0), owed + amount],
        0,
    ).astype(np.int64)
    when = np.select(
        [action == ONTIME, action == LATE, action == BOUNCED, action == CURED],
        [due - before, due + after, due - 6 - before % 10, due + rng.integers(-12, 16, n)],
        due - before % 11,
    )
    channel = np.where((action == ONTIME) | (action == BOUNCED), usual, collected)
    channel = np.where(action == BOUNCED, AUTO_DEBIT, channel)
    bounced = action == BOUNCED
    reversal = np.where(bounced, when + rng.integers(1, 4, n), NAT)
    retried = bounced & (rng.random(n) < 0.85)
    retry_value = np.where(retried, amount, 0).astype(np.int64)
    retry_when = np.where(retried, reversal + rng.integers(0, 13, n), NAT)
    retry_channel = np.where(retried, collected, 0)
    nat = np.full(n, NAT)
    return (
        (
            value,
            when.astype("datetime64[D]"),
            channel.astype(np.int64),
            reversal.astype("datetime64[D]"),
        ),
        (retry_value, retry_when.astype("datetime64[D]"), retry_channel.astype(np.int64), nat),
    )
