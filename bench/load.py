"""Load benchmark: gunicorn on loopback against a PostgreSQL demo bank, driven by Locust.

``python -m bench.load --database-url postgres://…/doorstep_load`` (a database holding a bank
from ``doorstep demo load``; default ``$DATABASE_URL``; with neither, a throwaway PostgreSQL
cluster is started as in ``bench.recovery`` and ``--accounts`` loaded into it, so ``make bench``
needs nothing set up) prints a markdown section:

1. where the time of one request goes, measured in-process with Django's test client: queries
   per request and the share of the time spent in them (the counts are pinned by
   ``tests/deploy/test_query_counts.py``, so they do not grow with the page or the batch);
2. ``gunicorn`` (``--workers``, default 2) on 127.0.0.1:``--port`` (default 8017) and ``locust
   --headless`` (``deploy/locustfile.py``) for ``--seconds``: requests/s and p50/p95/p99 of
   the four hot paths at once — a manager's case list and case detail in the JSON API, field
   agents' phones syncing notes (one batch in five sent again), and debtors asking the
   self-service assistant general questions.

For the field agents the run first makes ``--field`` pairs of agents (``load_agent_NN``) in a
field team of the bank, each pair with a visit checked in yesterday on an open case of the
branch; every run adds new visits, so the bank grows a little with each run.

    python -m bench.load --database-url postgres://postgres@127.0.0.1:5432/doorstep_g_load
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from bench._machine import Machine
from bench.recovery import TempCluster, doorstep

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "baseline: /healthz, anonymous (no work)"
BIN = Path(sys.executable).parent


def _field_phones(pairs: int) -> list[dict[str, Any]]:
    """``pairs`` visits checked in yesterday, each by its own pair of field agents, with a
    bearer token for the lead agent's phone: what the locust field agents sync onto."""
    from datetime import time as clock
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef
    from django.test import Client
    from django.utils import timezone

    from doorstep.cases.lifecycle import OPEN
    from doorstep.cases.models import Case
    from doorstep.cases.services import case_assign
    from doorstep.core.errors import DomainError
    from doorstep.staff.models import Role, StaffMember, Team
    from doorstep.staff.tokens import token_issue
    from doorstep.visits.models import Visit
    from doorstep.visits.services import visit_propose, visit_schedule

    team = Team.objects.filter(kind=Team.Kind.FIELD).order_by("pk").first()
    if team is None:
        raise RuntimeError("the demo bank has no field team")
    manager = StaffMember.objects.get(user__username="manager_wang").user
    day = timezone.localdate() - timedelta(days=1)
    at = datetime.combine(day, clock(10, 1), tzinfo=ZoneInfo("Asia/Shanghai"))
    cases = (
        Case.objects.filter(branch_id=team.branch_id, status__in=OPEN)
        .exclude(Exists(Visit.objects.filter(case=OuterRef("pk"))))
        .order_by("pk")
        .iterator()
    )

    def agent(name: str) -> StaffMember:
        user, _ = get_user_model().objects.get_or_create(username=name)
        member, _ = StaffMember.objects.get_or_create(
            user=user,
            defaults={
                "role": Role.FIELD_AGENT,
                "branch": team.branch,
                "team": team,
                "display_name": name,
                "employee_number": name.upper(),
            },
        )
        return member

    phones = []
    for n in range(pairs):
        lead, second = agent(f"load_agent_{2 * n:02d}"), agent(f"load_agent_{2 * n + 1:02d}")
        for case in cases:
            try:
                case = case_assign(case=case, agent=lead, actor=manager)
                visit = visit_propose(
                    case=case, actor=manager, lead_agent=lead, second_agent=second
                )
                visit = visit_schedule(
                    visit=visit,
                    actor=manager,
                    scheduled_on=day,
                    window_start=clock(9),
                    window_end=clock(17),
                )
            except DomainError:
                continue  # a case the gate or the lifecycle refuses a visit: take the next
            if visit.address.latitude is not None:
                break
        else:
            raise RuntimeError("the demo bank ran out of open cases without a visit")
        token = token_issue(user=lead.user)
        phone = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        check_in = {
            "id": str(uuid.uuid4()),
            "visit": visit.pk,
            "kind": "check_in",
            "seq": 1,
            "captured_at": at.isoformat(),
            "data": {"lat": str(visit.address.latitude), "lon": str(visit.address.longitude)},
        }
        answer = phone.post(
            "/api/v1/field/sync", {"records": [check_in]}, content_type="application/json"
        ).json()["results"][0]
        if answer["status"] not in {"stored", "flagged"}:
            raise RuntimeError(f"check-in refused: {answer}")
        phones.append(
            {
                "token": token,
                "visit": visit.pk,
                "seq": 1,
                "captured_from": (at + timedelta(minutes=1)).isoformat(),
            }
        )
    return phones


def _field_integrity(visits: list[int]) -> dict[str, int]:
    """What the server holds of the phones' notes: how many, on how many visits the notes'
    sequence numbers run 2, 3, … without a gap (a phone sends them in order, so a gap is a
    lost record), and how many records were stored twice."""
    from django.db.models import Count, Max, Min

    from doorstep.visits.models import FieldRecord

    notes = FieldRecord.objects.filter(visit_id__in=visits, kind="note")
    per_visit = notes.values("visit_id").annotate(
        n=Count("id"), low=Min("sequence"), high=Max("sequence")
    )
    doubled = (
        FieldRecord.objects.filter(visit_id__in=visits)
        .values("visit_id", "agent_id", "sequence")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "notes": notes.count(),
        "whole": sum(1 for v in per_visit if v["low"] == 2 and v["high"] - 1 == v["n"]),
        "doubled": doubled,
    }


def _notes(phone: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """The phone's next ``count`` notes (advancing its ``seq``), as the app sends them."""
    from datetime import timedelta

    start = datetime.fromisoformat(phone["captured_from"])
    notes = []
    for _ in range(count):
        phone["seq"] += 1
        notes.append(
            {
                "id": str(uuid.uuid4()),
                "visit": phone["visit"],
                "kind": "note",
                "seq": phone["seq"],
                "captured_at": (start + timedelta(seconds=phone["seq"])).isoformat(),
                "data": {"text": f"债务人说明还款安排,第 {phone['seq']} 条"},
            }
        )
    return notes


def _where_the_time_goes(
    samples: int, phone: dict[str, Any], batch: int
) -> list[tuple[str, int, float, float]]:
    """(request, queries, ms per request, % of it in queries) for each hot path: the manager's
    list and detail (API and pages), a field phone's batch of ``batch`` notes, an assistant
    question."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from doorstep.assistant.evaluation import read_evalset
    from doorstep.cases.models import Case

    user = get_user_model().objects.get(username="manager_wang")
    client = Client()
    client.force_login(user)
    case = Case.objects.filter(branch__staff__user=user).order_by("pk").first()
    if case is None:
        raise RuntimeError("the demo bank has no case for manager_wang")
    device = Client(HTTP_AUTHORIZATION=f"Bearer {phone['token']}")
    debtor = Client()
    questions = iter(read_evalset() * (samples + 1))

    def sync() -> Any:
        return device.post(
            "/api/v1/field/sync",
            {"records": _notes(phone, batch)},
            content_type="application/json",
        )

    def ask() -> Any:
        question = next(questions)
        return debtor.post(
            "/api/v1/assistant/ask",
            {"question": question.text, "lang": "en" if question.lang == "en" else "zh-hans"},
            content_type="application/json",
        )

    requests: list[tuple[str, Any]] = [
        (name, lambda url=url: client.get(url))
        for name, url in (
            ("case list (API)", "/api/v1/cases?page=2"),
            ("case detail (API)", f"/api/v1/cases/{case.pk}"),
            ("case list (page)", "/cases/?page=2"),
            ("case detail (page)", f"/cases/{case.pk}/"),
        )
    ]
    requests += [(f"field sync ({batch} notes)", sync), ("assistant ask", ask)]
    # The baseline: the same stack (middleware, the test client) answering without any work.
    requests.append((BASELINE, lambda: debtor.get("/healthz")))
    rows = []
    for name, send in requests:
        send()  # warm caches
        total = in_queries = 0.0
        count = 0
        for _ in range(samples):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = send()
                total += time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{name} answered {response.status_code}")
            count = len(captured)
            in_queries += sum(float(q["time"]) for q in captured.captured_queries)
        rows.append((name, count, 1000 * total / samples, 100 * in_queries / total))
    return rows


def _dashboards(
    day: str, samples: int
) -> tuple[list[tuple[str, int, float]], list[tuple[str, int, float]]]:
    """Aggregate every chart for ``day`` (rows, seconds each), then time each dashboard page
    as a head-office administrator (queries, ms per page)."""
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from doorstep.reports.charts import CHARTS
    from doorstep.reports.services import chart_aggregate

    built = []
    for chart in CHARTS.values():
        started = time.perf_counter()
        rows = chart_aggregate(chart=chart, day=date.fromisoformat(day))
        built.append((chart.slug, rows, time.perf_counter() - started))
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    pages = []
    for section in ("portfolio", "compliance"):
        url = f"/reports/{section}/?since={day}&until={day}"
        client.get(url)
        total, count = 0.0, 0
        for _ in range(samples):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                total += time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            count = len(captured)
        pages.append((f"/reports/{section}/", count, 1000 * total / samples))
    return built, pages


def _token(port: int) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token",
        data=json.dumps({"username": "manager_wang", "password": "doorstep-demo"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        return str(json.load(answer)["token"])


def _wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")


def _locust(args: argparse.Namespace, env: dict[str, str]) -> list[dict[str, Any]]:
    users = args.managers + args.field + args.debtors
    with tempfile.TemporaryDirectory(prefix="ds_load_") as folder:
        prefix = str(Path(folder) / "run")
        subprocess.run(  # noqa: S603 (our venv's locust, our file)
            [
                str(BIN / "locust"),
                "-f", str(ROOT / "deploy" / "locustfile.py"),
                "--headless", "--only-summary",
                "-u", str(users), "-r", str(users),
                "-t", f"{args.seconds}s",
                "--host", f"http://127.0.0.1:{args.port}",
                "--csv", prefix,
            ],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        with open(f"{prefix}_stats.csv", newline="") as stats:
            return list(csv.DictReader(stats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="A PostgreSQL database holding a demo bank (default: $DATABASE_URL; without one, "
        "a throwaway cluster is started and a bank of --accounts loaded into it).",
    )
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--port", type=int, default=8017)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--managers", type=int, default=8, help="Locust users paging cases.")
    parser.add_argument("--field", type=int, default=8, help="Field phones syncing notes.")
    parser.add_argument("--debtors", type=int, default=8, help="Debtors asking the assistant.")
    parser.add_argument("--batch", type=int, default=10, help="Notes per field sync request.")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--day", default="2026-06-30", help="The day to aggregate dashboards for.")
    parser.add_argument(
        "--dashboards",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Aggregate and time the dashboards too (--no-dashboards: the requests only).",
    )
    args = parser.parse_args()
    if args.database_url and not args.database_url.startswith("postgres"):
        parser.error("--database-url must name a PostgreSQL database holding a demo bank")
    args.own_cluster = not args.database_url
    if args.database_url:
        run(args)
        return
    with TempCluster() as cluster:
        data_dir = cluster.folder / "app"
        data_dir.mkdir()
        cluster.client("createdb", "load")
        args.database_url = cluster.url("load")
        doorstep("migrate", "-v0", url=args.database_url, data_dir=data_dir)
        doorstep(
            "demo", "load", "--accounts", str(args.accounts), "--as-of", args.day,
            url=args.database_url, data_dir=data_dir,
        )  # fmt: skip
        os.environ["DOORSTEP_DATA_DIR"] = str(data_dir)
        run(args)


def run(args: argparse.Namespace) -> None:
    machine = Machine(postgres=args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    env = {**os.environ, "DATABASE_CONN_MAX_AGE": "60"}
    env.setdefault("DOORSTEP_DATA_DIR", tempfile.mkdtemp(prefix="ds_load_data_"))
    os.environ["DOORSTEP_DATA_DIR"] = env["DOORSTEP_DATA_DIR"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    import django

    django.setup()
    from doorstep.cases.models import Case
    from doorstep.portfolio.models import Account

    phones = _field_phones(args.field + 1)  # one more for the in-process measurement
    breakdown = _where_the_time_goes(args.samples, phones.pop(), args.batch)
    built, pages = _dashboards(args.day, args.samples) if args.dashboards else ([], [])
    accounts, cases = Account.objects.count(), Case.objects.count()
    visits = [phone["visit"] for phone in phones]

    server = subprocess.Popen(  # noqa: S603 (our venv's gunicorn)
        [
            str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers),
            "--access-logfile", "/dev/null", "doorstep.wsgi",
        ],
        # Debtors come through the bank's proxy, each from their own address.
        env={**env, "TRUSTED_PROXY_COUNT": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_up(f"http://127.0.0.1:{args.port}/healthz")
        load_before = os.getloadavg()
        stats = _locust(
            args,
            {
                **env,
                "LOAD_TOKEN": _token(args.port),
                "LOAD_MANAGERS": str(args.managers),
                "LOAD_DEBTORS": str(args.debtors),
                "LOAD_FIELD": json.dumps(phones),
                "LOAD_FIELD_BATCH": str(args.batch),
            },
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = os.getloadavg()

    floor = next(ms for name, _, ms, _ in breakdown if name == BASELINE)
    by_name = {row["Name"]: row for row in stats}
    synced = by_name.get("field sync", {})
    answered = (int(synced.get("Request Count", 0)) - int(synced.get("Failure Count", 0))) * (
        args.batch
    )
    held = _field_integrity(visits)
    lines = [
        "## Load: the hot paths under Locust (`bench.load`)",
        "",
        f"Load average {load_before[0]:.1f} when Locust started, {load_after[0]:.1f} after; "
        "PostgreSQL "
        f"demo bank of {accounts:,} accounts and {cases:,} cases; gunicorn with "
        f"{args.workers} sync workers on loopback; Locust for {args.seconds} s with no think "
        f"time: {args.managers} managers (bearer token, her branch's cases), {args.field} field "
        f"phones (batches of {args.batch} notes on a visit checked in, one batch in five sent "
        f"again and answered `duplicate`), {args.debtors} debtors asking the assistant (each "
        "request from another address behind one trusted proxy). Locust, the server and "
        "PostgreSQL share the machine's cores.",
        "",
        "| request | requests | failures | requests/s | p50 (ms) | p95 (ms) | p99 (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    shown = ("case list", "case detail", "field sync", "field sync (resent)", "assistant ask")
    for name in (*shown, "Aggregated"):
        if name not in by_name:
            continue
        row = by_name[name]
        lines.append(
            f"| {name} | {int(row['Request Count']):,} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} |"
        )
    lines += [
        "",
        f"Field records: the phones' notes answered `stored` by the time Locust stopped: "
        f"{answered:,}; the server holds {held['notes']:,} notes on those visits (the "
        "difference: batches in flight when Locust stopped, which the server finished); "
        f"sequence numbers without a gap on {held['whole']} of {len(visits)} visits "
        f"(none lost), records stored twice: {held['doubled']} (none doubled).",
        "",
        f"Where the time goes (in-process, mean of {args.samples} requests, no network):",
        "",
        "| request | queries | ms per request | % of it in the database | × the baseline |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {n} | {q} | {ms:.1f} | {share:.0f} % | {ms / floor:.0f}× |"
            for n, q, ms, share in breakdown
        ),
        "",
        "The query counts do not depend on the number of rows shown, and a sync's grow by the "
        "same few queries per record (`tests/deploy/test_query_counts.py`).",
        "",
        f"Command: `python -m bench.load --managers {args.managers} --field {args.field} "
        f"--debtors {args.debtors} --seconds {args.seconds} --workers {args.workers} "
        f"--day {args.day}{'' if args.dashboards else ' --no-dashboards'}`"
        + (
            f" (`--accounts {args.accounts}` loaded into a throwaway cluster)."
            if args.own_cluster
            else " with `DATABASE_URL` naming the demo database."
        ),
        "",
        machine.table(),
    ]
    if args.dashboards:
        lines[-1:-1] = [
            f"Dashboards: `doorstep reports aggregate --date {args.day}` chart by chart, then each "
            f"page (all branches, as the head-office administrator; mean of {args.samples}):",
            "",
            "| chart | fact rows | aggregation (s) |",
            "|---|---:|---:|",
            *(f"| {slug} | {rows:,} | {seconds:.1f} |" for slug, rows, seconds in built),
            "",
            "| page | queries | ms per page |",
            "|---|---:|---:|",
            *(f"| {page} | {q} | {ms:.0f} |" for page, q, ms in pages),
            "",
        ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
