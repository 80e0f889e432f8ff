"""Point-in-time behavioural features of a customer in collections (Polars + numpy, no Django).

Every feature for date ``as_of`` is computed only from what the bank knew at the end of that
day: statements issued and dues fallen due by then, payments made by then and not reversed by
then, cases closed by then, promises judged by then, contacts made by then. A payment reversed
the day after ``as_of`` still counts as paid; a promise judged broken after ``as_of`` does not
count as broken yet. This is what lets a model trained on past dates score today honestly; the
no-leakage test changes everything after a date and checks the features for that date stay put.

The customer profile (income, declared debts, dependants) has no history in the portfolio, so it
is read as it stands; a profile edited after ``as_of`` would leak. That is stated, not hidden.

Amounts are floats here: features feed a model, they are not money that is booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
from numpy.typing import NDArray

from doorstep.core.i18n import gettext_noop

DAYS_PER_MONTH = 30.44
# Arrears below one yuan are rounding, not delinquency.
TOLERANCE_CENTS = 100
# A balance rising by this share of the limit within one cycle is flagged for the briefing.
BALANCE_JUMP_FLAG = 0.3
_KEY_SPAN = 10**12  # cents; separates accounts in the global cumulative-due key
_DAY_SPAN = 1 << 20  # days; separates accounts in the (account, day) payment key

# Feature name → (English, Chinese) label, for reason codes and the briefing.
FEATURES: dict[str, tuple[str, str]] = {
    "dpd_now": ("Days past due today", "当前逾期天数"),
    "max_dpd_3m": ("Worst days past due, last 3 months", "近3个月最长逾期天数"),
    "max_dpd_6m": ("Worst days past due, last 6 months", "近6个月最长逾期天数"),
    "max_dpd_12m": ("Worst days past due, last 12 months", "近12个月最长逾期天数"),
    "months_since_payment": ("Months since the last payment", "距上次还款月数"),
    "pay_to_due_3m": ("Paid against due, last 3 months", "近3个月还款/应还比"),
    "pay_to_due_6m": ("Paid against due, last 6 months", "近6个月还款/应还比"),
    "past_due": ("Amount past due", "逾期金额"),
    "balance": ("Outstanding balance", "未偿余额"),
    "utilisation": ("Balance against limit or principal", "额度使用率"),
    "balance_trend_6m": ("Balance now against 6 months ago", "余额较6个月前变化"),
    "balance_jump_6m": ("Largest one-cycle balance rise, last 6 months", "近6个月单期最大余额增幅"),
    "reversals_12m": ("Payments reversed, last 12 months", "近12个月还款冲正次数"),
    "accounts": ("Accounts", "账户数"),
    "cured_episodes": ("Earlier delinquencies cured", "历史逾期已修复次数"),
    "earlier_episodes": ("Earlier delinquencies", "历史逾期次数"),
    "promises_12m": ("Promises to pay, last 12 months", "近12个月承诺还款次数"),
    "broken_promises_12m": ("Broken promises, last 12 months", "近12个月跳票次数"),
    "contacts_90d": ("Contact attempts, last 90 days", "近90天联系次数"),
    "right_party_rate_90d": ("Debtor reached per attempt, last 90 days", "近90天本人接通率"),
    "refusals_90d": ("Refusals, last 90 days", "近90天拒绝次数"),
    "income_to_debt": ("Yearly income against debt", "年收入/负债"),
    "other_debts_to_income": ("Declared other debts against yearly income", "其他负债/年收入"),
    "dependants": ("Dependants", "供养人数"),
}
FEATURE_NAMES = tuple(FEATURES)

ANOMALY_BALANCE_JUMP = gettext_noop(
    "The balance rose sharply within one cycle in the last 6 months (possible large outflow "
    "before default)."
)
ANOMALY_REVERSALS = gettext_noop("Payments were reversed in the last 12 months.")


@dataclass(frozen=True)
class History:
    """Everything the bank recorded, as plain tables (column names below are the contract).

    accounts: account_id, customer_id, limit (credit limit or principal), opened_on
    statements: account_id, statement_date, due_date, amount_due, closing_balance
    payments: account_id, paid_on, amount, reversed_on (null if standing)
    customers: customer_id, monthly_income, other_debts, dependants (nulls allowed)
    cases: customer_id, opened_on, closed_on (null if open), cured (bool)
    promises: customer_id, taken_on, evaluated_on (null if not judged yet), broken (bool)
    contacts: customer_id, on, reached (debtor spoken to), refused (bool)
    """

    accounts: pl.DataFrame
    statements: pl.DataFrame
    payments: pl.DataFrame
    customers: pl.DataFrame
    cases: pl.DataFrame
    promises: pl.DataFrame
    contacts: pl.DataFrame


SCHEMAS: dict[str, dict[str, type[pl.DataType]]] = {
    "accounts": {
        "account_id": pl.Int64,
        "customer_id": pl.Int64,
        "limit": pl.Float64,
        "opened_on": pl.Date,
    },
    "statements": {
        "account_id": pl.Int64,
        "statement_date": pl.Date,
        "due_date": pl.Date,
        "amount_due": pl.Float64,
        "closing_balance": pl.Float64,
    },
    "payments": {
        "account_id": pl.Int64,
        "paid_on": pl.Date,
        "amount": pl.Float64,
        "reversed_on": pl.Date,
    },
    "customers": {
        "customer_id": pl.Int64,
        "monthly_income": pl.Float64,
        "other_debts": pl.Float64,
        "dependants": pl.Float64,
    },
    "cases": {
        "customer_id": pl.Int64,
        "opened_on": pl.Date,
        "closed_on": pl.Date,
        "cured": pl.Boolean,
    },
    "promises": {
        "customer_id": pl.Int64,
        "taken_on": pl.Date,
        "evaluated_on": pl.Date,
        "broken": pl.Boolean,
    },
    "contacts": {
        "customer_id": pl.Int64,
        "on": pl.Date,
        "reached": pl.Boolean,
        "refused": pl.Boolean,
    },
}


def table(name: str, rows: list[dict[str, object]] | None = None) -> pl.DataFrame:
    """A history table with the contract's column types (empty if no rows)."""
    return pl.DataFrame(rows or [], schema=SCHEMAS[name], orient="row")


def _day_numbers(column: pl.Series) -> NDArray[np.int64]:
    return np.asarray(column.cast(pl.Int32).to_numpy(), dtype=np.int64)  # days since 1970


def _cents(column: pl.Series) -> NDArray[np.int64]:
    return np.asarray((column * 100).round().cast(pl.Int64).to_numpy(), dtype=np.int64)


def _running_total(groups: NDArray[np.int64], amounts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Cumulative sum restarting at each new value of ``groups`` (rows sorted by group)."""
    total = np.cumsum(amounts)
    first = np.r_[True, groups[1:] != groups[:-1]] if groups.size else np.zeros(0, dtype=bool)
    before = (total - amounts)[first]
    return np.asarray(total - np.repeat(before, np.diff(np.r_[np.flatnonzero(first), groups.size])))


@dataclass(frozen=True)
class _Arrears:
    dues: pl.DataFrame  # account_id, due_date, amount_due, dpd (on its own due date)
    now: pl.DataFrame  # account_id, dpd_now, past_due (on as_of)


def _arrears(statements: pl.DataFrame, payments: pl.DataFrame, as_of: date) -> _Arrears:
    """Days past due on each due date and on ``as_of``, from dues and valid payments.

    The DPD on a day is the age of the oldest due not covered by the payments made so far
    (paid first to the oldest due). Everything is a sorted-array search: cumulative dues
    increase within an account, so offsetting each account's cumulative dues by its rank gives
    one increasing key for the whole book, and the oldest uncovered due of every row is one
    ``searchsorted``; the payments made by a due date are found the same way on an
    (account, day) key. No per-account Python loop anywhere.
    """
    dues = statements.filter(
        (pl.col("due_date") <= as_of) & (pl.col("statement_date") <= as_of)
    ).sort("account_id", "due_date")
    paid = payments.sort("account_id", "paid_on")
    account = np.asarray(dues["account_id"].to_numpy(), dtype=np.int64)
    due_day = _day_numbers(dues["due_date"])
    cum_due = _running_total(account, _cents(dues["amount_due"]))
    pay_account = np.asarray(paid["account_id"].to_numpy(), dtype=np.int64)
    cum_paid_rows = _running_total(pay_account, _cents(paid["amount"]))
    pay_key = pay_account * _DAY_SPAN + _day_numbers(paid["paid_on"])
    last = np.searchsorted(pay_key, account * _DAY_SPAN + due_day, side="right") - 1
    safe = np.maximum(last, 0)
    same = (last >= 0) & (pay_account[safe] == account) if pay_key.size else last >= 0
    cum_paid = np.where(same, cum_paid_rows[safe] if pay_key.size else 0, 0)

    first = np.r_[True, account[1:] != account[:-1]] if account.size else np.zeros(0, dtype=bool)
    rank = np.cumsum(first)
    key = rank * _KEY_SPAN + cum_due

    def dpd_at(
        day: NDArray[np.int64],
        covered: NDArray[np.int64],
        due: NDArray[np.int64],
        ranks: NDArray[np.int64],
    ) -> NDArray[np.int64]:
        oldest = np.searchsorted(key, ranks * _KEY_SPAN + covered + TOLERANCE_CENTS, "right")
        late = due - covered > TOLERANCE_CENTS
        oldest = np.minimum(oldest, max(key.size - 1, 0))
        return np.where(late, day - due_day[oldest] if key.size else 0, 0).astype(np.int64)

    on_due_dates = dpd_at(due_day, cum_paid, cum_due, rank)
    # On as_of: each account's last due against everything it paid by then.
    last_row = np.r_[first[1:], True] if account.size else first
    accounts_due = account[last_row]
    total_paid = np.zeros(accounts_due.size, dtype=np.int64)
    if pay_key.size and accounts_due.size:
        pay_last = np.r_[pay_account[1:] != pay_account[:-1], True]
        where = np.searchsorted(accounts_due, pay_account[pay_last])
        where = np.minimum(where, max(accounts_due.size - 1, 0))
        hit = accounts_due[where] == pay_account[pay_last]
        total_paid[where[hit]] = cum_paid_rows[pay_last][hit]
    today = np.full(accounts_due.size, (as_of - date(1970, 1, 1)).days, dtype=np.int64)
    now = dpd_at(today, total_paid, cum_due[last_row], rank[last_row])
    return _Arrears(
        dues=dues.select("account_id", "due_date", "amount_due").with_columns(
            pl.Series("dpd", on_due_dates, dtype=pl.Int64)
        ),
        now=pl.DataFrame(
            {
                "account_id": accounts_due,
                "dpd_now": now,
                "past_due": np.maximum(cum_due[last_row] - total_paid, 0) / 100,
            },
            schema={"account_id": pl.Int64, "dpd_now": pl.Int64, "past_due": pl.Float64},
        ),
    )


def account_features(history: History, as_of: date) -> pl.DataFrame:
    """One row per account open by ``as_of``: arrears, payment behaviour, balances."""
    d3, d6, d12 = (as_of - timedelta(days=n) for n in (91, 182, 365))
    payments = history.payments.filter(
        (pl.col("paid_on") <= as_of)
        & (pl.col("reversed_on").is_null() | (pl.col("reversed_on") > as_of))
    )
    arrears = _arrears(history.statements, payments, as_of)
    dues = arrears.dues
    windows = dues.group_by("account_id").agg(
        pl.col("dpd").filter(pl.col("due_date") > d3).max().alias("max_dpd_due_3m"),
        pl.col("dpd").filter(pl.col("due_date") > d6).max().alias("max_dpd_due_6m"),
        pl.col("dpd").filter(pl.col("due_date") > d12).max().alias("max_dpd_due_12m"),
        pl.col("amount_due").filter(pl.col("due_date") > d3).sum().alias("due_3m"),
        pl.col("amount_due").filter(pl.col("due_date") > d6).sum().alias("due_6m"),
    )
    paid = payments.group_by("account_id").agg(
        pl.col("amount").filter(pl.col("paid_on") > d3).sum().alias("paid_3m"),
        pl.col("amount").filter(pl.col("paid_on") > d6).sum().alias("paid_6m"),
        pl.col("paid_on").max().alias("last_paid_on"),
    )
    reversals = (
        history.payments.filter((pl.col("reversed_on") <= as_of) & (pl.col("reversed_on") > d12))
        .group_by("account_id")
        .agg(pl.len().cast(pl.Int64).alias("reversals_12m"))
    )
    issued = history.statements.filter(pl.col("statement_date") <= as_of).sort(
        "account_id", "statement_date"
    )
    balances = issued.group_by("account_id", maintain_order=True).agg(
        pl.col("closing_balance").last().alias("balance"),
        pl.col("closing_balance")
        .filter(pl.col("statement_date") <= d6)
        .last()
        .alias("balance_6m_ago"),
        pl.col("closing_balance")
        .diff()
        .filter(pl.col("statement_date") > d6)
        .max()
        .alias("rise_6m"),
    )
    accounts = history.accounts.filter(pl.col("opened_on") <= as_of)
    out = (
        accounts.join(arrears.now, on="account_id", how="left")
        .join(windows, on="account_id", how="left")
        .join(paid, on="account_id", how="left")
        .join(reversals, on="account_id", how="left")
        .join(balances, on="account_id", how="left")
    )
    since = pl.coalesce("last_paid_on", "opened_on")
    return out.select(
        "account_id",
        "customer_id",
        "limit",
        pl.col("dpd_now").fill_null(0),
        pl.max_horizontal(pl.col("dpd_now").fill_null(0), "max_dpd_due_3m").alias("max_dpd_3m"),
        pl.max_horizontal(pl.col("dpd_now").fill_null(0), "max_dpd_due_6m").alias("max_dpd_6m"),
        pl.max_horizontal(pl.col("dpd_now").fill_null(0), "max_dpd_due_12m").alias("max_dpd_12m"),
        ((pl.lit(as_of) - since).dt.total_days() / DAYS_PER_MONTH).alias("months_since_payment"),
        pl.col("paid_3m").fill_null(0.0),
        pl.col("paid_6m").fill_null(0.0),
        pl.col("due_3m").fill_null(0.0),
        pl.col("due_6m").fill_null(0.0),
        pl.col("past_due").fill_null(0.0),
        pl.col("balance").fill_null(0.0),
        "balance_6m_ago",
        pl.col("rise_6m").fill_null(0.0).clip(lower_bound=0.0),
        pl.col("reversals_12m").fill_null(0),
    )


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def customer_features(history: History, as_of: date) -> pl.DataFrame:
    """One row per customer with an account by ``as_of``: the model's unit (a case is a
    customer's delinquency episode across all their accounts)."""
    d12, d90 = as_of - timedelta(days=365), as_of - timedelta(days=90)
    accounts = account_features(history, as_of)
    base = accounts.group_by("customer_id").agg(
        pl.col("dpd_now").max(),
        pl.col("max_dpd_3m").max(),
        pl.col("max_dpd_6m").max(),
        pl.col("max_dpd_12m").max(),
        pl.col("months_since_payment").min(),
        _ratio(pl.col("paid_3m").sum(), pl.col("due_3m").sum()).alias("pay_to_due_3m"),
        _ratio(pl.col("paid_6m").sum(), pl.col("due_6m").sum()).alias("pay_to_due_6m"),
        pl.col("past_due").sum(),
        pl.col("balance").sum(),
        _ratio(pl.col("balance").sum(), pl.col("limit").sum()).alias("utilisation"),
        _ratio(pl.col("balance").sum(), pl.col("balance_6m_ago").sum()).alias("balance_trend_6m"),
        _ratio(pl.col("rise_6m").max(), pl.col("limit").max()).alias("balance_jump_6m"),
        pl.col("reversals_12m").sum(),
        pl.len().cast(pl.Int64).alias("accounts"),
    )
    cases = (
        history.cases.filter(pl.col("closed_on").is_not_null() & (pl.col("closed_on") <= as_of))
        .group_by("customer_id")
        .agg(
            pl.col("cured").sum().cast(pl.Int64).alias("cured_episodes"),
            pl.len().cast(pl.Int64).alias("earlier_episodes"),
        )
    )
    promises = (
        history.promises.filter((pl.col("taken_on") <= as_of) & (pl.col("taken_on") > d12))
        .group_by("customer_id")
        .agg(
            pl.len().cast(pl.Int64).alias("promises_12m"),
            (pl.col("broken") & (pl.col("evaluated_on") <= as_of))
            .sum()
            .cast(pl.Int64)
            .alias("broken_promises_12m"),
        )
    )
    contacts = (
        history.contacts.filter((pl.col("on") <= as_of) & (pl.col("on") > d90))
        .group_by("customer_id")
        .agg(
            pl.len().cast(pl.Int64).alias("contacts_90d"),
            pl.col("reached").mean().alias("right_party_rate_90d"),
            pl.col("refused").sum().cast(pl.Int64).alias("refusals_90d"),
        )
    )
    out = (
        base.join(cases, on="customer_id", how="left")
        .join(promises, on="customer_id", how="left")
        .join(contacts, on="customer_id", how="left")
        .join(history.customers, on="customer_id", how="left")
    )
    counts = [
        "cured_episodes",
        "earlier_episodes",
        "promises_12m",
        "broken_promises_12m",
        "contacts_90d",
        "refusals_90d",
    ]
    yearly = pl.col("monthly_income") * 12
    return (
        out.with_columns(
            *(pl.col(c).fill_null(0) for c in counts),
            _ratio(yearly, pl.col("balance") + pl.col("other_debts").fill_null(0.0)).alias(
                "income_to_debt"
            ),
            _ratio(pl.col("other_debts"), yearly).alias("other_debts_to_income"),
        )
        .select("customer_id", *FEATURE_NAMES)
        .sort("customer_id")
    )


def anomalies(features: pl.DataFrame) -> dict[int, list[str]]:
    """Briefing flags per customer (message ids, translated where they are shown)."""
    flagged = features.filter(
        (pl.col("balance_jump_6m") > BALANCE_JUMP_FLAG) | (pl.col("reversals_12m") > 0)
    )
    out: dict[int, list[str]] = {}
    for row in flagged.iter_rows(named=True):
        flags = []
        if (row["balance_jump_6m"] or 0) > BALANCE_JUMP_FLAG:
            flags.append(ANOMALY_BALANCE_JUMP)
        if row["reversals_12m"] > 0:
            flags.append(ANOMALY_REVERSALS)
        out[int(row["customer_id"])] = flags
    return out
