"""A field app's day synced while its database restarts: the recovery test and benchmark.

``restart_mid_sync`` runs the whole scenario on a throwaway cluster (the test and
``bench.recovery`` call it). Its steps run as ``python -m bench.field_restart
setup|phone|count`` with ``DATABASE_URL`` set to that cluster: ``setup`` migrates and
schedules one visit; ``phone`` sends the day's records in batches to ``POST
/api/v1/field/sync`` the way the app does — a batch whose answer does not come back (the
server's database went away mid-request) stays queued and is sent again — printing ``answered
N`` after each answered batch; ``count`` prints what the server holds as JSON. The cluster is
restarted while ``phone`` runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

RECORDS = 400
BATCH = 10
VISIT_DAY = (2026, 7, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
STATE_FILE = "field_restart_state.json"
REPO = Path(__file__).resolve().parent.parent


def _step(step: str, url: str, folder: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url, "DOORSTEP_DATA_DIR": str(folder)}
    env.pop("DOORSTEP_ENV", None)
    return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.field_restart", step, str(folder)],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _finished(process: subprocess.Popen[str], timeout: float = 300) -> str:
    out, err = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(err[-3000:])
    return out


def restart_mid_sync(cluster: Any, folder: Path) -> dict[str, Any]:
    """Set up a day of ``RECORDS`` records, let the phone sync it, restart ``cluster`` (a
    ``bench.recovery.TempCluster``) once a quarter of the day is in; then what the server
    holds (``count``), when the restart came, how many batches the phone sent again, and
    whether the ledger verifies."""
    from bench.recovery import doorstep

    cluster.client("createdb", "field")
    url = cluster.url("field")
    _finished(_step("setup", url, folder))
    phone = _step("phone", url, folder)
    if phone.stdout is None:
        raise RuntimeError("the phone's output is not piped")
    answered = 0
    while answered < RECORDS // 4:  # a quarter of the day is in
        line = phone.stdout.readline()
        if not line:
            raise RuntimeError(phone.stderr.read() if phone.stderr else "the phone stopped")
        if line.startswith("answered "):
            answered = int(line.split()[1])
    started = time.perf_counter()
    cluster.restart()
    restart_seconds = time.perf_counter() - started
    last = _finished(phone).strip().splitlines()[-1]
    if not last.startswith("done retries="):
        raise RuntimeError(f"the phone ended with {last!r}")
    held: dict[str, Any] = json.loads(_finished(_step("count", url, folder)))
    doorstep("ledger", "sign", url=url, data_dir=folder)
    verified = doorstep("ledger", "verify", url=url, data_dir=folder)
    return {
        **held,
        "restart_after": answered,
        "restart_seconds": restart_seconds,
        "resent_batches": int(last.split("=")[1]),
        "verified": "VERIFIED" in verified.stdout,
    }


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    import django

    django.setup()


def setup(state_dir: str) -> None:
    from datetime import date
    from datetime import time as clock

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from doorstep.core.testing import build_world, make_staff
    from doorstep.staff.models import Role
    from doorstep.visits.services import visit_propose, visit_schedule

    world = build_world()
    partner = make_staff("agent_ma", Role.FIELD_AGENT, branch=world.xh, team=world.agent_li.team)
    visit = visit_propose(
        case=world.zhang_case,
        actor=world.user("manager_wang"),
        lead_agent=world.agent_li,
        second_agent=partner,
    )
    visit = visit_schedule(
        visit=visit,
        actor=world.user("manager_wang"),
        scheduled_on=date(*VISIT_DAY),
        window_start=clock(10),
        window_end=clock(12),
    )
    start = datetime(*VISIT_DAY, 10, 5, tzinfo=SHANGHAI)
    records: list[dict[str, Any]] = [
        {
            "id": str(uuid.uuid4()),
            "visit": visit.pk,
            "kind": "check_in",
            "seq": 1,
            "captured_at": start.isoformat(),
            "data": {"lat": "30.277100", "lon": "120.130100"},
        }
    ]
    records += [
        {
            "id": str(uuid.uuid4()),
            "visit": visit.pk,
            "kind": "note",
            "seq": seq,
            "captured_at": (start + timedelta(seconds=seq)).isoformat(),
            "data": {"text": f"第 {seq} 条记录"},
        }
        for seq in range(2, RECORDS + 1)
    ]
    with open(os.path.join(state_dir, STATE_FILE), "w", encoding="utf-8") as out:
        json.dump({"user": world.user("agent_li").pk, "records": records}, out)


def phone(state_dir: str) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client

    with open(os.path.join(state_dir, STATE_FILE), encoding="utf-8") as source:
        state = json.load(source)
    user = get_user_model().objects.get(pk=state["user"])
    client = Client()
    client.force_login(user)
    queue = state["records"]
    answered = retries = 0
    while queue:
        batch = queue[:BATCH]
        try:
            response = client.post(
                "/api/v1/field/sync", {"records": batch}, content_type="application/json"
            )
            ok = response.status_code == 200
        except Exception:
            ok = False
        if not ok:
            retries += 1
            connections.close_all()
            time.sleep(0.2)
            continue
        queue = queue[BATCH:]
        answered += len(batch)
        print(f"answered {answered}", flush=True)
        time.sleep(0.05)  # a phone's pace, so the restart lands mid-day
    print(f"done retries={retries}", flush=True)


def count(state_dir: str) -> None:
    from django.db.models import Count

    from doorstep.ledger.models import LedgerEntry
    from doorstep.visits.models import FieldRecord

    with open(os.path.join(state_dir, STATE_FILE), encoding="utf-8") as source:
        sent = {record["id"] for record in json.load(source)["records"]}
    stored = {str(u) for u in FieldRecord.objects.values_list("client_uuid", flat=True)}
    doubled = (
        FieldRecord.objects.values("client_uuid").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    print(
        json.dumps(
            {
                "sent": len(sent),
                "stored": len(stored),
                "missing": len(sent - stored),
                "doubled": doubled,
                "ledger": LedgerEntry.objects.filter(kind="visit.field_record").count(),
            }
        )
    )


if __name__ == "__main__":
    _django()
    {"setup": setup, "phone": phone, "count": count}[sys.argv[1]](sys.argv[2])
