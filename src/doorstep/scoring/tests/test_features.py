"""Point-in-time features: right on a hand-made history, and blind to anything after the date."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from doorstep.scoring.features import (
    ANOMALY_BALANCE_JUMP,
    FEATURE_NAMES,
    History,
    anomalies,
    customer_features,
    table,
)

AS_OF = date(2026, 6, 30)


def _monthly(start: date, months: int, day: int = 5) -> list[date]:
    return [
        date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, day)
        for k in range(months)
    ]


def _zhang() -> History:
    """Customer 1 (debtor_zhang): a card with 1,000 due monthly, paid until March, then not."""
    dues = _monthly(date(2025, 7, 1), 12)  # 2025-07-05 … 2026-06-05
    statements = [
        {
            "account_id": 10,
            "statement_date": d - timedelta(days=20),
            "due_date": d,
            "amount_due": 1000.0,
            "closing_balance": 20000.0 + 1000 * k,
        }
        for k, d in enumerate(dues)
    ]
    payments = [
        {"account_id": 10, "paid_on": d, "amount": 1000.0, "reversed_on": None}
        for d in dues[:9]  # last payment on 2026-03-05
    ]
    return History(
        accounts=table(
            "accounts",
            [{"account_id": 10, "customer_id": 1, "limit": 50000.0, "opened_on": date(2024, 1, 1)}],
        ),
        statements=table("statements", statements),
        payments=table("payments", payments),
        customers=table(
            "customers",
            [{"customer_id": 1, "monthly_income": 8000.0, "other_debts": 12000.0, "dependants": 2}],
        ),
        cases=table(
            "cases",
            [
                {
                    "customer_id": 1,
                    "opened_on": date(2025, 1, 10),
                    "closed_on": date(2025, 2, 1),
                    "cured": True,
                }
            ],
        ),
        promises=table(
            "promises",
            [
                {
                    "customer_id": 1,
                    "taken_on": date(2026, 5, 1),
                    "evaluated_on": date(2026, 5, 20),
                    "broken": True,
                }
            ],
        ),
        contacts=table(
            "contacts",
            [
                {"customer_id": 1, "on": date(2026, 6, 1), "reached": True, "refused": False},
                {"customer_id": 1, "on": date(2026, 6, 2), "reached": False, "refused": False},
                {"customer_id": 1, "on": date(2026, 6, 3), "reached": True, "refused": True},
                {"customer_id": 1, "on": date(2026, 6, 4), "reached": False, "refused": False},
            ],
        ),
    )


def test_features_of_a_hand_made_history() -> None:
    (row,) = customer_features(_zhang(), AS_OF).to_dicts()

    # Unpaid dues: 2026-04-05, 05-05, 06-05; the oldest is 86 days old on 2026-06-30.
    assert row["dpd_now"] == 86
    assert row["past_due"] == 3000.0
    # On 2026-06-05 the oldest unpaid due (04-05) was 61 days old.
    assert row["max_dpd_3m"] == 86
    assert row["months_since_payment"] == pytest.approx(117 / 30.44)
    # Last 91 days: dues of 04-05, 05-05, 06-05 (3,000); paid nothing since 03-05.
    assert row["pay_to_due_3m"] == 0.0
    # Last 182 days: dues 2026-01-05 … 06-05 (6,000); paid 01-05, 02-05, 03-05 (3,000).
    assert row["pay_to_due_6m"] == pytest.approx(0.5)
    assert row["balance"] == 31000.0
    assert row["utilisation"] == pytest.approx(31000 / 50000)
    assert row["cured_episodes"] == 1
    assert row["earlier_episodes"] == 1
    assert row["promises_12m"] == 1
    assert row["broken_promises_12m"] == 1
    assert row["contacts_90d"] == 4
    assert row["right_party_rate_90d"] == 0.5
    assert row["refusals_90d"] == 1
    assert row["income_to_debt"] == pytest.approx(96000 / (31000 + 12000))
    assert row["other_debts_to_income"] == pytest.approx(12000 / 96000)
    assert set(row) == {"customer_id", *FEATURE_NAMES}


def test_a_payment_reversed_later_still_counts_on_the_day_and_a_reversal_by_then_does_not() -> None:
    history = _zhang()
    late = pl.DataFrame(
        {
            "account_id": [10],
            "paid_on": [date(2026, 6, 10)],
            "amount": [3000.0],
            "reversed_on": [date(2026, 7, 3)],
        },
        schema=history.payments.schema,
    )
    paid = History(**{**history.__dict__, "payments": pl.concat([history.payments, late])})

    (on_the_day,) = customer_features(paid, AS_OF).to_dicts()
    (after,) = customer_features(paid, date(2026, 7, 4)).to_dicts()

    assert on_the_day["dpd_now"] == 0
    assert on_the_day["reversals_12m"] == 0
    assert after["dpd_now"] == 90  # back to 04-05 as the oldest unpaid due
    assert after["reversals_12m"] == 1


def test_a_sudden_balance_rise_is_flagged_for_the_briefing() -> None:
    history = _zhang()
    statements = history.statements.with_columns(
        pl.when(pl.col("due_date") == date(2026, 5, 5))
        .then(pl.col("closing_balance") + 20000)
        .otherwise(pl.col("closing_balance"))
        .alias("closing_balance")
    )
    jumped = History(**{**history.__dict__, "statements": statements})

    features = customer_features(jumped, AS_OF)

    assert features["balance_jump_6m"][0] == pytest.approx(21000 / 50000)
    assert anomalies(features) == {1: [ANOMALY_BALANCE_JUMP]}
    assert anomalies(customer_features(history, AS_OF)) == {}


def _random_history(seed: int, customers: int = 40) -> History:
    rng = np.random.default_rng(seed)
    start = date(2024, 7, 1)
    accounts, statements, payments, cases, promises, contacts = [], [], [], [], [], []
    for c in range(customers):
        accounts.append(
            {
                "account_id": c,
                "customer_id": c // 2,
                "limit": float(rng.integers(5, 50) * 1000),
                "opened_on": start,
            }
        )
        behaviour = rng.uniform()
        for k, due in enumerate(_monthly(start, 36, day=int(rng.integers(1, 28)))):
            amount = float(rng.integers(3, 20) * 100)
            statements.append(
                {
                    "account_id": c,
                    "statement_date": due - timedelta(days=20),
                    "due_date": due,
                    "amount_due": amount,
                    "closing_balance": float(10000 + 300 * k),
                }
            )
            if rng.uniform() < behaviour:
                paid_on = due + timedelta(days=int(rng.integers(-5, 60)))
                reversed_on = (
                    paid_on + timedelta(days=int(rng.integers(1, 20)))
                    if rng.uniform() < 0.05
                    else None
                )
                payments.append(
                    {
                        "account_id": c,
                        "paid_on": paid_on,
                        "amount": amount * rng.uniform(0.5, 1.2),
                        "reversed_on": reversed_on,
                    }
                )
        opened = start + timedelta(days=int(rng.integers(0, 700)))
        closed = opened + timedelta(days=int(rng.integers(10, 200)))
        cases.append(
            {
                "customer_id": c // 2,
                "opened_on": opened,
                "closed_on": closed,
                "cured": bool(rng.uniform() < 0.5),
            }
        )
        taken = start + timedelta(days=int(rng.integers(0, 1000)))
        promises.append(
            {
                "customer_id": c // 2,
                "taken_on": taken,
                "evaluated_on": taken + timedelta(days=int(rng.integers(5, 40))),
                "broken": bool(rng.uniform() < 0.5),
            }
        )
        for _ in range(5):
            contacts.append(
                {
                    "customer_id": c // 2,
                    "on": start + timedelta(days=int(rng.integers(0, 1000))),
                    "reached": bool(rng.uniform() < 0.5),
                    "refused": bool(rng.uniform() < 0.2),
                }
            )
    return History(
        accounts=table("accounts", accounts),
        statements=table("statements", statements),
        payments=table("payments", payments),
        customers=table(
            "customers",
            [
                {"customer_id": c, "monthly_income": 6000.0, "other_debts": None, "dependants": 1}
                for c in range(customers // 2)
            ],
        ),
        cases=table("cases", cases),
        promises=table("promises", promises),
        contacts=table("contacts", contacts),
    )


def _rewrite_after(history: History, cut: date, seed: int) -> History:
    """Change, drop or add everything the bank learned after ``cut``; keep what it knew."""
    rng = np.random.default_rng(seed)
    later = _random_history(seed + 1000)
    payments = history.payments.with_columns(
        # Payments standing at the cut get reversed afterwards; later ones vanish.
        pl.when(pl.col("reversed_on").is_null() & (pl.col("paid_on") <= cut))
        .then(pl.lit(cut + timedelta(days=1)))
        .otherwise(pl.col("reversed_on"))
        .alias("reversed_on")
    ).filter(pl.col("paid_on") <= cut)
    statements = history.statements.with_columns(
        pl.when(pl.col("statement_date") > cut)
        .then(pl.col("amount_due") * float(rng.uniform(2, 5)))
        .otherwise(pl.col("amount_due"))
        .alias("amount_due")
    )
    cases = history.cases.with_columns(
        pl.when(pl.col("closed_on") > cut)
        .then(~pl.col("cured"))
        .otherwise(pl.col("cured"))
        .alias("cured")
    )
    promises = history.promises.with_columns(
        pl.when(pl.col("evaluated_on") > cut)
        .then(~pl.col("broken"))
        .otherwise(pl.col("broken"))
        .alias("broken")
    )
    return History(
        accounts=history.accounts,
        statements=pl.concat([statements, later.statements.filter(pl.col("statement_date") > cut)]),
        payments=pl.concat([payments, later.payments.filter(pl.col("paid_on") > cut)]),
        customers=history.customers,
        cases=pl.concat([cases, later.cases.filter(pl.col("opened_on") > cut)]),
        promises=pl.concat([promises, later.promises.filter(pl.col("taken_on") > cut)]),
        contacts=pl.concat([history.contacts, later.contacts.filter(pl.col("on") > cut)]),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_features_for_a_date_ignore_everything_recorded_after_it(seed: int) -> None:
    history = _random_history(seed)
    cut = date(2025, 11, 17)
    before = customer_features(history, cut)

    after = customer_features(_rewrite_after(history, cut, seed), cut)

    assert before.height == 20
    assert before["dpd_now"].max() > 0  # the history has arrears to get wrong
    assert_frame_equal(before, after)
    # …and the rewrite does change the features of a later date.
    later = cut + timedelta(days=60)
    assert not customer_features(history, later).equals(
        customer_features(_rewrite_after(history, cut, seed), later)
    )


def test_a_new_account_without_dues_yet_has_no_arrears() -> None:
    history = _zhang()
    fresh = History(
        **{
            **history.__dict__,
            "statements": table("statements"),
            "payments": table(
                "payments",
                [
                    {
                        "account_id": 10,
                        "paid_on": date(2026, 6, 1),
                        "amount": 50.0,
                        "reversed_on": None,
                    }
                ],
            ),
        }
    )

    (row,) = customer_features(fresh, AS_OF).to_dicts()
    (empty,) = customer_features(
        History(
            **{**history.__dict__, "statements": table("statements"), "payments": table("payments")}
        ),
        AS_OF,
    ).to_dicts()

    assert (row["dpd_now"], row["past_due"], row["max_dpd_12m"]) == (0, 0.0, 0)
    assert row["months_since_payment"] == pytest.approx(29 / 30.44)
    assert (empty["dpd_now"], empty["pay_to_due_3m"]) == (0, None)
