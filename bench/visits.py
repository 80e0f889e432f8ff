"""Field sync under load: 200 agents syncing a day's records at once, on PostgreSQL.

``python -m bench.visits`` (``--agents N``, default 200; ``--visits`` per team, default 2)
prints a markdown section. In a process of its own over a fresh PostgreSQL database
(``doorstep_visits_bench`` on the server ``--postgres`` names, dropped afterwards), it builds
one branch with N field agents in teams of two, a case and a scheduled visit per team stop,
then lets every agent's phone sync its whole day through ``POST /api/v1/field/sync`` (Django's
test client, the full middleware and auth path) from a pool of ``--workers`` threads, each
with its own database connection — as a server's worker pool would take 200 phones arriving
at once. The lead agent's phone holds check-in, outcome, promise and photo hash per visit,
the second agent's a note and a photo hash. Every phone sends its batch in shuffled order,
and one in three loses the answer and sends the whole batch again, so duplicates and
reordering are part of the load. Afterwards it checks that the server holds every record
exactly once, with one ledger entry each, and every visit completed.

Phones sign in as the app does, with a bearer token (``token_issue``): a browser session would
need the second factor first. The baseline, in the same run and on the same database, is a
second day of the same shape (same agents, as many visits and records) synced one record per
request — what a client that posts each record as it is made does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench._machine import Machine
from bench.ledger import show

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "doorstep_visits_bench"
DAY = date(2026, 7, 1)
RETRIES = 20
RETRY_PAUSE = 0.5  # seconds, as the app waits before sending a record the server deferred
SHANGHAI = ZoneInfo("Asia/Shanghai")
MODES = ("batch", "single")  # the day synced in batches; the baseline, one record per request


def _records(
    visits: list[int], lead: bool, rng: random.Random, first_stop: int = 0
) -> list[dict[str, Any]]:
    """One phone's day: per visit, in device order."""
    out = []
    for stop, visit in enumerate(visits, start=first_stop):
        base = datetime.combine(DAY, clock(10 + stop // 2, 30 * (stop % 2)), tzinfo=SHANGHAI)

        def rec(
            kind: str,
            seq: int,
            minutes: int,
            visit: int = visit,
            base: datetime = base,
            **data: Any,
        ) -> dict[str, Any]:
            return {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "visit": visit,
                "kind": kind,
                "seq": seq,
                "captured_at": base.replace(minute=base.minute + minutes).isoformat(),
                "data": data,
            }

        digest = f"{rng.getrandbits(256):064x}"
        if lead:
            out += [
                rec("check_in", 1, 1, lat="30.277010", lon="120.130020"),
                rec("outcome", 2, 15, outcome="promise"),
                rec("promise", 3, 16, amount="500.00", due_on="2026-07-10"),
                rec("evidence", 4, 17, type="photo", sha256=digest, bytes=81234),
            ]
        else:
            out += [
                rec("note", 1, 18, text="债务人表示下周发工资后还款"),
                rec("evidence", 2, 19, type="photo", sha256=digest, bytes=79011),
            ]
    return out


def measure(agents: int, visits_per_team: int, workers: int, seed: int) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    import django
    from django.conf import settings

    # Real hashing costs ~0.3 s a password; setting up 200 agents is not what is measured.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import get_resolver

    from doorstep.cases.services import case_assign
    from doorstep.core.testing import make_account, make_branch, make_customer, make_staff
    from doorstep.ledger.models import LedgerEntry
    from doorstep.staff.models import Role, Team
    from doorstep.staff.tokens import token_issue
    from doorstep.visits.models import FieldRecord, Visit
    from doorstep.visits.services import visit_propose, visit_schedule

    call_command("migrate", verbosity=0)
    setup_test_environment()
    get_resolver().url_patterns  # load every view now, not at the first request  # noqa: B018
    rng = random.Random(seed)  # noqa: S311 (synthetic data)

    started = time.perf_counter()
    branch = make_branch("XH", "西湖支行")
    team = Team.objects.create(branch=branch, name="外访", kind=Team.Kind.FIELD)
    manager = make_staff("bench_manager", Role.COLLECTIONS_MANAGER, branch=branch)
    staff = [
        make_staff(f"bench_agent_{n:03d}", Role.FIELD_AGENT, branch=branch, team=team)
        for n in range(agents)
    ]
    # Two days of the same shape: the first synced in batches, the second (the baseline) one
    # record per request.
    phones: dict[str, dict[int, list[int]]] = {
        mode: {member.pk: [] for member in staff} for mode in MODES
    }
    tokens = {member.pk: token_issue(user=member.user) for member in staff}
    from doorstep.cases.services import case_open

    for pair in range(agents // 2):
        lead, second = staff[2 * pair], staff[2 * pair + 1]
        for stop in range(visits_per_team * len(MODES)):
            mode = MODES[stop // visits_per_team]
            customer = make_customer(f"客户{pair:03d}{stop}", phone=f"139{pair:04d}{stop:04d}")
            account = make_account(
                customer,
                branch,
                dues=[(date(2026, 4, 15), "1000.00"), (date(2026, 5, 15), "1000.00")],
            )
            case = case_open(customer=customer, accounts=[account], as_of=date(2026, 6, 30))
            case = case_assign(case=case, agent=lead, actor=manager.user)
            visit = visit_propose(
                case=case, actor=manager.user, lead_agent=lead, second_agent=second
            )
            visit = visit_schedule(
                visit=visit,
                actor=manager.user,
                scheduled_on=DAY,
                window_start=clock(9),
                window_end=clock(17),
                route_position=stop,
            )
            phones[mode][lead.pk].append(visit.pk)
            phones[mode][second.pk].append(visit.pk)
    setup_seconds = time.perf_counter() - started

    jobs: dict[str, list[tuple[Any, list[dict[str, Any]], bool]]] = {}
    for mode in MODES:
        first_stop = MODES.index(mode) * visits_per_team
        jobs[mode] = []
        for n, member in enumerate(staff):
            records = _records(phones[mode][member.pk], n % 2 == 0, rng, first_stop)
            rng.shuffle(records)
            jobs[mode].append((member, records, rng.random() < 1 / 3))
    connection.close()

    def post(client: Client, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = client.post(
            "/api/v1/field/sync", {"records": records}, content_type="application/json"
        )
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def send(client: Client, queue: list[dict[str, Any]], one_by_one: bool) -> list[Any]:
        if not one_by_one:
            return post(client, queue)
        return [answer for record in queue for answer in post(client, [record])]

    def phone(job: tuple[Any, list[dict[str, Any]], bool], one_by_one: bool) -> dict[str, Any]:
        """What the app does: send the queue; the answer of the first try may be lost; send
        again what the server asked to retry (a partner's check-in not synced yet)."""
        member, records, resend = job
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[member.pk]}")
        sent = time.perf_counter()
        requests, queue, final = 0, records, {}
        for attempt in range(RETRIES):
            answers = send(client, queue, one_by_one)
            requests += 1 if not one_by_one else len(queue)
            if resend and attempt == 0:
                # The first answer was lost: all sent again.
                answers = send(client, queue, one_by_one)
                requests += 1 if not one_by_one else len(queue)
            final.update({answer["id"]: answer for answer in answers})
            waiting = {
                a["id"] for a in answers if (a["error"] or {}).get("code") == "check_in_first"
            }
            queue = [record for record in queue if record["id"] in waiting]
            if not queue:
                break
            time.sleep(RETRY_PAUSE)
        connections.close_all()
        return {
            "seconds": time.perf_counter() - sent,
            "statuses": [final[record["id"]]["status"] for record in records],
            "requests": requests,
            "sent": sum(1 for _ in records) * (2 if resend else 1),
        }

    def run(mode: str) -> dict[str, Any]:
        visits = {visit for day in phones[mode].values() for visit in day}
        expected = sum(len(records) for _, records, _ in jobs[mode])
        ledger_before = LedgerEntry.objects.filter(kind="visit.field_record").count()
        connection.close()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            answers = list(pool.map(lambda job: phone(job, mode == "single"), jobs[mode]))
        wall = time.perf_counter() - started

        mine = FieldRecord.objects.filter(visit_id__in=visits)
        ledgered = LedgerEntry.objects.filter(kind="visit.field_record").count() - ledger_before
        latencies = sorted(answer["seconds"] for answer in answers)
        final = [s for answer in answers for s in answer["statuses"]]
        return {
            "visits": len(visits),
            "expected": expected,
            "sent_records": sum(answer["sent"] for answer in answers),
            "requests": sum(answer["requests"] for answer in answers),
            "stored": mine.count(),
            "distinct": mine.values("client_uuid").distinct().count(),
            "ledgered": ledgered,
            "completed": Visit.objects.filter(pk__in=visits, status="completed").count(),
            "rejected": final.count("rejected"),
            "wall": wall,
            "p50": latencies[len(latencies) // 2],
            "p95": latencies[int(len(latencies) * 0.95)],
            "max": latencies[-1],
        }

    runs = {mode: run(mode) for mode in MODES}
    return {
        "vendor": connection.vendor,
        "agents": agents,
        "workers": workers,
        "setup_seconds": setup_seconds,
        **runs["batch"],
        "single": runs["single"],
    }


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DOORSTEP_DATA_DIR"}}
    env.update(extra)
    env.setdefault("DOORSTEP_ENV", "development")
    return env


@contextmanager
def database(postgres: str) -> Iterator[dict[str, str]]:
    """The environment of a process that works on a fresh PostgreSQL database."""
    import psycopg

    directory = Path(tempfile.mkdtemp(prefix="doorstep-visits-bench-"))
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    try:
        fresh = postgres.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"
        yield _env({"DATABASE_URL": fresh, "DOORSTEP_DATA_DIR": str(directory)})
    finally:
        with psycopg.connect(postgres, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        shutil.rmtree(directory, ignore_errors=True)


def render(r: dict[str, Any], machine: Machine) -> str:
    single = r["single"]

    def exact(run: dict[str, Any]) -> str:
        same = run["stored"] == run["distinct"] == run["expected"] == run["ledgered"]
        return "every record stored exactly once" if same else "**MISMATCH**"

    def row(label: str, batch: str, baseline: str) -> str:
        return f"| {label} | {batch} | {baseline} |"

    return "\n".join(
        [
            "## Field sync under load (`doorstep.visits`)",
            "",
            f"{r['agents']} agents (teams of two, {r['visits']} scheduled visits) sync a day's "
            f"records at once through `POST /api/v1/field/sync` on PostgreSQL, signed in with a "
            f"bearer token each, from {r['workers']} worker threads with a connection each; every "
            f"batch shuffled, one phone in three sends its batch twice (a lost answer). Baseline, "
            f"same run and database, after the batched day: a second day of the same shape "
            f"({single['visits']} visits, {single['expected']:,} records) synced one record per "
            f"request.",
            "",
            "| measure | batches (the app) | one record per request (baseline) |",
            "|---|---:|---:|",
            row("records made on the phones", f"{r['expected']:,}", f"{single['expected']:,}"),
            row(
                "records sent (resends included) / requests",
                f"{r['sent_records']:,} / {r['requests']:,}",
                f"{single['sent_records']:,} / {single['requests']:,}",
            ),
            row(
                "stored / distinct ids / ledger entries",
                f"{r['stored']:,} / {r['distinct']:,} / {r['ledgered']:,} ({exact(r)})",
                f"{single['stored']:,} / {single['distinct']:,} / {single['ledgered']:,} "
                f"({exact(single)})",
            ),
            row("records finally rejected", str(r["rejected"]), str(single["rejected"])),
            row(
                "visits completed",
                f"{r['completed']} of {r['visits']}",
                f"{single['completed']} of {single['visits']}",
            ),
            row("wall time, all phones", show(r["wall"]), show(single["wall"])),
            row(
                "records stored/s",
                f"{r['expected'] / r['wall']:,.1f}",
                f"{single['expected'] / single['wall']:,.1f}",
            ),
            row(
                "requests/s",
                f"{r['requests'] / r['wall']:,.1f}",
                f"{single['requests'] / single['wall']:,.1f}",
            ),
            row(
                "one phone's whole sync, p50 / p95 / max",
                f"{show(r['p50'])} / {show(r['p95'])} / {show(r['max'])}",
                f"{show(single['p50'])} / {show(single['p95'])} / {show(single['max'])}",
            ),
            "",
            "Wall time of the baseline over that of the batches: "
            f"**{single['wall'] / r['wall']:.2f}×** (above 1×, batches are faster); "
            "a phone's median sync: "
            f"{single['p50'] / r['p50']:.2f}×. Setting up both days (not measured above): "
            f"{show(r['setup_seconds'])}. The phones here call the server in-process (Django's "
            "test client, no network): a request costs no round trip, so the ratio shows the "
            "server's own work, where each record's checks and ledger entry weigh more than a "
            f"request's; on a mobile network the batches' {r['requests']:,} requests against "
            f"{single['requests']:,} are what saves time.",
            "",
            machine.table(),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.visits", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--visits", type=int, default=2, help="visits per team")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help=f"the server's maintenance database, used to create and drop {BENCH_DATABASE}",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.agents < 2 or args.agents % 2:
        parser.error("--agents must be an even number, at least 2")
    if args.worker:
        print(json.dumps(measure(args.agents, args.visits, args.workers, args.seed)))
        return
    machine = Machine(postgres=args.postgres)
    with database(args.postgres) as env:
        done = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "bench.visits",
                "--worker",
                "--agents",
                str(args.agents),
                "--visits",
                str(args.visits),
                "--workers",
                str(args.workers),
                "--seed",
                str(args.seed),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode:
        raise SystemExit(f"the measurement failed:\n{done.stderr[-4000:]}")
    print(render(json.loads(done.stdout.strip().splitlines()[-1]), machine))


if __name__ == "__main__":
    main()
