"""Compliance benchmark on the database: a planning run's 100,000 proposed visits through the
gate end to end (facts read from the database, decided, decisions stored), step by step, beside
the pure batch path on the same workload.

``python -m bench.compliance_db`` (``--proposals N``, ``--database-url URL``) builds the
workload of ``bench.compliance`` (N proposed visits over the fortnight around National Day 2026
for N/2 debtors, each with a month of calls, SMS and visits behind it, a few on hold) as rows:
customers with addresses in two time zones, accounts, cases, contact events and holds, in a
fresh database (a temporary SQLite file unless ``--database-url`` names an empty one, which it
migrates and fills). Then it times each step of ``compliance.services.contact_decide_batch``:

1. load: cases, parameter versions, calendar and every debtor's facts, in bulk (queries counted);
2. decide: the engine's ``BatchDecider`` over those facts (no I/O): the ≥ 50,000/s target;
3. detail: the decision rows, with the full detail of every proposal where a rule fired;
4. store: ``bulk_create`` of the decisions;

and the pure batch path (``bench.compliance``) on the same workload in memory, for comparison.
It checks that the database path gives the same verdicts and rules, and prints markdown.

Baseline, same run and database: the first ``--baseline`` proposals (default 2,000) decided one
contact at a time through ``contact_decide(record=False)`` — each reading its own facts —
against the batch path's load, decide and detail steps (storing left out of both), per
proposal; the baseline's verdicts and rules are checked against the batch path's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from bench._machine import Machine
from bench.compliance import FIRST_DAY, TARGET, Run, planning_run

T = TypeVar("T")
CHUNK = 5_000


def timed(call: Callable[[], T]) -> tuple[float, float, T]:
    """Wall and CPU seconds of ``call()`` and its result."""
    wall, processor = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - wall, time.process_time() - processor, result


def configure(url: str | None, workdir: Path) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    os.environ["DOORSTEP_DATA_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"].split(":", 1)[0]


def store(plan: Run) -> dict[Any, int]:
    """The workload as rows; returns the case id of each debtor."""
    from django.db import transaction

    from doorstep.cases.models import Case
    from doorstep.compliance.models import ContactEvent, Hold
    from doorstep.portfolio.models import Account, Address, Customer
    from doorstep.staff.models import Branch

    with transaction.atomic():
        branch = Branch.objects.create(
            code="BENCH",
            name="Bench branch",
            city="杭州市",
            address="杭州市",
            latitude=Decimal("30.26"),
            longitude=Decimal("120.13"),
        )
        people = list(plan.debtors)
        customers = Customer.objects.bulk_create(
            [
                Customer(external_id=f"B{n:09d}", name=f"客户{n}", national_id="0" * 18)
                for n in range(len(people))
            ],
            batch_size=CHUNK,
        )
        Address.objects.bulk_create(
            [
                Address(
                    customer=customer,
                    province="浙江省",
                    city="杭州市",
                    line="文三路",
                    timezone=plan.debtors[person].timezone or "Asia/Shanghai",
                )
                for person, customer in zip(people, customers, strict=True)
            ],
            batch_size=CHUNK,
        )
        accounts = Account.objects.bulk_create(
            [
                Account(
                    external_id=f"BA{n:09d}",
                    customer=customer,
                    branch=branch,
                    product=Account.Product.CREDIT_CARD,
                    credit_limit=Decimal("10000.00"),
                    opened_on=date(2024, 1, 1),
                    interest_rate=Decimal("0.18"),
                    due_day=15,
                )
                for n, customer in enumerate(customers)
            ],
            batch_size=CHUNK,
        )
        cases = Case.objects.bulk_create(
            [
                Case(
                    reference=f"BC{n:09d}",
                    customer=customer,
                    branch=branch,
                    opened_on=date(2026, 8, 1),
                    arrears_as_of=date(2026, 9, 25),
                )
                for n, customer in enumerate(customers)
            ],
            batch_size=CHUNK,
        )
        Case.accounts.through.objects.bulk_create(
            [
                Case.accounts.through(case_id=case.pk, account_id=account.pk)
                for case, account in zip(cases, accounts, strict=True)
            ],
            batch_size=CHUNK,
        )
        customer_of = dict(zip(people, customers, strict=True))
        ContactEvent.objects.bulk_create(
            [
                ContactEvent(
                    customer=customer_of[person],
                    channel=past.channel.value,
                    at=past.at,
                    target="debtor",
                    initiated_by="bank",
                    connected=past.connected,
                    outcome="other",
                )
                for person, history in plan.histories.items()
                for past in history
            ],
            batch_size=CHUNK,
        )
        Hold.objects.bulk_create(
            [
                Hold(
                    customer=customer_of[person],
                    kind=kind.value,
                    starts_at=FIRST_DAY - timedelta(days=60),
                    reason="bench",
                )
                for person, debtor in plan.debtors.items()
                for kind in debtor.holds
            ],
            batch_size=CHUNK,
        )
    return {person: case.pk for person, case in zip(people, cases, strict=True)}


def run(count: int, seed: int, url: str | None, one_by_one: int = 2_000) -> str:
    machine = Machine()
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as workdir:
        engine = configure(url, Path(workdir))
        from django.db import connection, transaction

        machine.uses_database(connection)
        from django.test.utils import CaptureQueriesContext

        from bench.compliance import batch
        from doorstep.cases.models import Case
        from doorstep.compliance.batch import batch_decide, batch_prepare, batch_rows
        from doorstep.compliance.models import Decision
        from doorstep.compliance.proposals import ContactProposal, PlannedContact
        from doorstep.compliance.selectors import calendar_in_force, version_params
        from doorstep.compliance.services import contact_decide, seed_version

        plan = planning_run(count, seed)
        print(f"storing the workload ({count:,} proposals)…", file=sys.stderr)
        setup_wall, _, case_of = timed(lambda: store(plan))
        items = [
            PlannedContact(
                case_of[proposal.debtor],
                ContactProposal(
                    channel=proposal.contact.channel.value,
                    at=proposal.contact.at,
                    staff_count=proposal.contact.staff_count,
                ),
            )
            for proposal in plan.proposals
        ]
        version = seed_version("cn")
        calendar_in_force().kind(FIRST_DAY.date())
        print("deciding…", file=sys.stderr)
        with CaptureQueriesContext(connection) as queries:
            load_wall, load_cpu, prepared = timed(lambda: batch_prepare(items, profile="cn"))
        decide_wall, decide_cpu, outcomes = timed(lambda: batch_decide(prepared))
        rows_wall, rows_cpu, rows = timed(lambda: batch_rows(prepared, outcomes, actor=None))

        def save() -> None:
            with transaction.atomic():
                Decision.objects.bulk_create(rows, batch_size=2_000)

        store_wall, store_cpu, _ = timed(save)
        pure_wall, pure_cpu, (_decider, pure) = timed(
            lambda: batch(plan, version_params(version), calendar_in_force())
        )
        same = [(o.verdict, o.rules) for o in outcomes] == [(o.verdict, o.rules) for o in pure]

        print("deciding one contact at a time (baseline)…", file=sys.stderr)
        sample = items[:one_by_one]
        cases = Case.objects.in_bulk({item.case_id for item in sample})

        def singly() -> list[Any]:
            return [
                contact_decide(
                    case=cases[item.case_id], proposal=item.proposal, actor=None, record=False
                )
                for item in sample
            ]

        single_wall, single_cpu, single = timed(singly)
        single_same = [(str(row.verdict), tuple(row.rules)) for row in single] == [
            (str(o.verdict), tuple(o.rules)) for o in outcomes[: len(sample)]
        ]
        fired = sum(1 for outcome in outcomes if outcome.rules)
        stored = Decision.objects.count()

    steps = [
        ("load facts (bulk reads)", load_wall, load_cpu),
        ("decide (`BatchDecider`)", decide_wall, decide_cpu),
        ("detail + build rows", rows_wall, rows_cpu),
        ("store (`bulk_create`)", store_wall, store_cpu),
    ]
    total_wall = sum(step[1] for step in steps)
    batch_wall = sum(step[1] for step in steps[:3])
    batch_cpu = sum(step[2] for step in steps[:3])
    decide_rate = count / decide_cpu
    verdicts = Counter(str(outcome.verdict) for outcome in outcomes)
    lines = [
        f"## Compliance: a planning run through the database ({engine})",
        "",
        f"The `bench.compliance` workload as rows: {count:,} proposed visits for "
        f"{len(plan.debtors):,} debtors with {sum(map(len, plan.histories.values())):,} past "
        f"contacts and {sum(len(d.holds) for d in plan.debtors.values()):,} holds, profile `cn`, "
        f"default parameters. Storing the workload took {setup_wall:.1f} s (not counted below).",
        f"Same verdicts and rules as the pure batch path: {'yes' if same else 'NO'}; "
        f"{stored:,} decisions stored, {fired:,} with fired rules kept in full.",
        "",
        "| step | wall time | CPU time | per second (CPU) |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {wall:.2f} s | {cpu_time:.2f} s | {count / cpu_time:,.0f} |"
            for name, wall, cpu_time in steps
        ),
        f"| **end to end** | **{total_wall:.2f} s** | | **{count / total_wall:,.0f}** (wall) |",
        f"| pure batch (`bench.compliance`, in memory) | {pure_wall:.2f} s | {pure_cpu:.2f} s "
        f"| {count / pure_cpu:,.0f} |",
        "",
        f"Loading the facts took {len(queries.captured_queries)} queries for {count:,} proposals "
        f"(a fixed handful per 5,000 cases; none per decision). The decision step runs at "
        f"{decide_rate:,.0f} decisions per CPU second: target {TARGET:,}/s "
        f"{'met' if decide_rate >= TARGET else 'NOT met'}.",
        "",
        "| verdict | proposals |",
        "|---|---:|",
        *(f"| {verdict} | {n:,} |" for verdict, n in sorted(verdicts.items())),
        "",
        f"Baseline: the first {len(sample):,} proposals one contact at a time "
        f"(`contact_decide`, not stored), beside the batch path's load, decide and detail steps "
        f"for all {count:,} (not stored either). Same verdicts and rules: "
        f"{'yes' if single_same else 'NO'}.",
        "",
        "| path | proposals | wall time | CPU time | per proposal (wall) | per second (wall) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| `contact_decide`, one at a time (baseline) | {len(sample):,} | {single_wall:.2f} s "
        f"| {single_cpu:.2f} s | {single_wall / len(sample) * 1e3:.2f} ms "
        f"| {len(sample) / single_wall:,.0f} |",
        f"| batch: load + decide + detail | {count:,} | {batch_wall:.2f} s | {batch_cpu:.2f} s "
        f"| {batch_wall / count * 1e3:.3f} ms | {count / batch_wall:,.0f} |",
        "",
        f"The batch path decides **{(count / batch_wall) / (len(sample) / single_wall):.1f}×** "
        "as many proposals per second of wall time as the one-at-a-time gate.",
        "",
        machine.table(),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compliance_db", description=__doc__)
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        help="An empty database to migrate and fill (default: a temporary SQLite file).",
    )
    parser.add_argument(
        "--baseline",
        type=int,
        default=2_000,
        help="How many proposals the one-at-a-time baseline decides.",
    )
    args = parser.parse_args(argv)
    print(run(args.proposals, args.seed, args.database_url, args.baseline))


if __name__ == "__main__":
    main()
