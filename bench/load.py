"""Load benchmark: gunicorn on loopback against a PostgreSQL demo bank, driven by Locust.

``python -m bench.load --database-url postgres://…/doorstep_load`` (a database holding a bank
from ``doorstep demo load``; default ``$DATABASE_URL``; with neither, a throwaway PostgreSQL
cluster is started as in ``bench.recovery`` and ``--accounts`` loaded into it, so ``make bench``
needs nothing set up) prints a markdown section:

1. where the time of one request goes, measured in-process with Django's test client: queries
   per request and the share of the time spent in them (the counts are pinned by
   ``tests/deploy/test_query_counts.py``, so they do not grow with the page);
2. ``gunicorn`` (``--workers``, default 2) on 127.0.0.1:``--port`` (default 8017) and ``locust
   --headless`` with ``--users`` users for ``--seconds``: requests/s and p50/p95/p99 of the
   case list and the case detail of the JSON API, as a collections manager.

    python -m bench.load --database-url postgres://postgres@127.0.0.1:5432/doorstep_g_load
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.recovery import TempCluster, doorstep

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _where_the_time_goes(samples: int) -> list[tuple[str, int, float, float]]:
    """(request, queries, ms per request, % of it in queries) for the list and a detail."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from doorstep.cases.models import Case

    user = get_user_model().objects.get(username="manager_wang")
    client = Client()
    client.force_login(user)
    case = Case.objects.filter(branch__staff__user=user).order_by("pk").first()
    if case is None:
        raise RuntimeError("the demo bank has no case for manager_wang")
    rows = []
    for name, url in (
        ("case list (API)", "/api/v1/cases?page=2"),
        ("case detail (API)", f"/api/v1/cases/{case.pk}"),
        ("case list (page)", "/cases/?page=2"),
        ("case detail (page)", f"/cases/{case.pk}/"),
    ):
        client.get(url)  # warm caches
        total = in_queries = 0.0
        count = 0
        for _ in range(samples):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                total += time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
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
    with tempfile.TemporaryDirectory(prefix="ds_load_") as folder:
        prefix = str(Path(folder) / "run")
        subprocess.run(  # noqa: S603 (our venv's locust, our file)
            [
                str(BIN / "locust"),
                "-f", str(ROOT / "deploy" / "locustfile.py"),
                "--headless", "--only-summary",
                "-u", str(args.users), "-r", str(args.users),
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
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--day", default="2026-06-30", help="The day to aggregate dashboards for.")
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
    os.environ["DATABASE_URL"] = args.database_url
    env = {**os.environ, "DATABASE_CONN_MAX_AGE": "60"}
    env.setdefault("DOORSTEP_DATA_DIR", tempfile.mkdtemp(prefix="ds_load_data_"))
    os.environ["DOORSTEP_DATA_DIR"] = env["DOORSTEP_DATA_DIR"]

    breakdown = _where_the_time_goes(args.samples)
    built, pages = _dashboards(args.day, args.samples)
    from doorstep.cases.models import Case
    from doorstep.portfolio.models import Account

    accounts, cases = Account.objects.count(), Case.objects.count()

    server = subprocess.Popen(  # noqa: S603 (our venv's gunicorn)
        [
            str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers),
            "--access-logfile", "/dev/null", "doorstep.wsgi",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_up(f"http://127.0.0.1:{args.port}/healthz")
        load_before = os.getloadavg()
        stats = _locust(args, {**env, "LOAD_TOKEN": _token(args.port)})
    finally:
        server.terminate()
        server.wait(timeout=30)

    lines = [
        "## Load: case list and case detail under Locust (`bench.load`)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()} ({os.cpu_count()} cores, "
        f"load average before {load_before[0]:.1f}), PostgreSQL demo bank of {accounts:,} "
        f"accounts and {cases:,} cases; gunicorn with {args.workers} sync workers on loopback; "
        f"Locust with {args.users} users (no think time) for {args.seconds} s, as a collections "
        "manager with a bearer token (her branch's cases). Locust and the server share the "
        "machine's cores.",
        "",
        "| request | requests | failures | requests/s | p50 (ms) | p95 (ms) | p99 (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in stats:
        if row["Name"] not in {"case list", "case detail", "Aggregated"}:
            continue
        lines.append(
            f"| {row['Name']} | {int(row['Request Count']):,} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} |"
        )
    lines += [
        "",
        f"Where the time goes (in-process, mean of {args.samples} requests, no network):",
        "",
        "| request | queries | ms per request | % of it in the database |",
        "|---|---:|---:|---:|",
        *(f"| {n} | {q} | {ms:.1f} | {share:.0f} % |" for n, q, ms, share in breakdown),
        "",
        "The query counts do not depend on the number of rows shown "
        "(`tests/deploy/test_query_counts.py`).",
        "",
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
        f"Command: `python -m bench.load --users {args.users} --seconds {args.seconds} "
        f"--workers {args.workers}`"
        + (
            f" (`--accounts {args.accounts}` loaded into a throwaway cluster)."
            if args.own_cluster
            else " with `DATABASE_URL` naming the demo database."
        ),
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
