"""Plans benchmark: the pure schedule and allocation cores (``doorstep.plans``).

``python -m bench.plans`` prints a markdown section: schedules built per second for each plan
type (due dates rolled on the compliance calendar), and payment replays per second for a
60-instalment plan with 60 payments (what every posting or reversal re-derives), each the best
of five rounds. It also re-checks, on every schedule built, that the instalments sum exactly to
the schedule's total, so a fast wrong answer cannot pass.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from doorstep.compliance.engine.calendar import Calendar
from doorstep.plans.allocation import Obligation, Receipt, allocate
from doorstep.plans.schedule import Debt, PlanType, Schedule, Terms, build_schedule

ROUNDS = 5
START = date(2026, 6, 30)


def _best_rate(work: Callable[[], int]) -> float:
    """Operations per second, the best of ``ROUNDS`` rounds of ``work``."""
    best = 0.0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        done = work()
        best = max(best, done / (time.perf_counter() - started))
    return best


def _debts(count: int, seed: int) -> list[Debt]:
    rng = random.Random(seed)  # noqa: S311 (test amounts, not secrets)
    return [
        Debt(
            principal=Decimal(rng.randint(100_000, 20_000_000)) / 100,
            interest=Decimal(rng.randint(0, 2_000_000)) / 100,
            penalty=Decimal(rng.randint(0, 500_000)) / 100,
        )
        for _ in range(count)
    ]


def _checked(schedule: Schedule) -> None:
    if sum(i.amount for i in schedule.instalments) != schedule.total:
        raise AssertionError("a schedule does not sum to its total")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.plans")
    parser.add_argument("--schedules", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    calendar = Calendar()
    debts = _debts(args.schedules, args.seed)
    kinds = [
        (
            "Equal instalments, 36 months at 12 %",
            Terms(PlanType.INSTALMENTS, 36, annual_rate=Decimal("0.12")),
        ),
        (
            "Equal principal, 36 months at 12 %",
            Terms(PlanType.EQUAL_PRINCIPAL, 36, annual_rate=Decimal("0.12")),
        ),
        (
            "Interest freeze, 60 months, 0.5 % fee, 50 % waiver",
            Terms(
                PlanType.INTEREST_FREEZE,
                60,
                monthly_fee_pct=Decimal("0.5"),
                interest_waiver_pct=Decimal("50"),
            ),
        ),
        (
            "Settlement, 10 % discount",
            Terms(PlanType.SETTLEMENT, 1, principal_discount_pct=Decimal("10")),
        ),
    ]
    rows = []
    for label, terms in kinds:

        def build(terms: Terms = terms) -> int:
            for debt in debts:
                _checked(build_schedule(debt, terms, start=START, due_day=31, rest_days=calendar))
            return len(debts)

        rows.append((label, _best_rate(build)))

    schedule = build_schedule(debts[0], kinds[2][1], start=START, due_day=15, rest_days=calendar)
    obligations = [Obligation(str(i.number), i.due_date, i.parts()) for i in schedule.instalments]
    rng = random.Random(args.seed)  # noqa: S311 (test dates, not secrets)
    receipts = [
        Receipt(
            f"TX{k}",
            START + timedelta(days=rng.randint(1, 1800)),
            (schedule.total / 60).quantize(Decimal("0.01")),
        )
        for k in range(60)
    ]

    def replay() -> int:
        for _ in range(50):
            allocate(obligations, receipts)
        return 50

    replay_rate = _best_rate(replay)

    print("## Repayment plans (pure cores)\n")
    day = datetime.now(UTC).date().isoformat()
    print(
        f"{platform.python_implementation()} {platform.python_version()} on "
        f"{platform.machine()}, {day}; {args.schedules} random debts, due day 31, dates rolled "
        "on the compliance calendar (years it does not carry: weekends only, flagged); best of "
        f"{ROUNDS} rounds. Every schedule is re-checked to sum exactly to its total.\n"
    )
    print("| operation | per second |")
    print("|---|---:|")
    for label, rate in rows:
        print(f"| build a schedule: {label} | {rate:,.0f} |")
    print(f"| replay 60 payments over a 60-instalment plan | {replay_rate:,.0f} |")
    print(
        f"\nOne replay (what a posting or reversal re-derives per live plan) takes "
        f"{1000 / replay_rate:.2f} ms."
    )


if __name__ == "__main__":
    main()
