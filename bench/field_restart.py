"""A field app's day synced while its database restarts: the phone side of the recovery test.

Run as ``python -m bench.field_restart setup|phone|count`` with ``DATABASE_URL`` set to the
test's own PostgreSQL cluster. ``setup`` migrates and schedules one visit; ``phone`` sends the
day's records in batches to ``POST /api/v1/field/sync`` the way the app does — a batch whose
answer does not come back (the server's database went away mid-request) stays queued and is sent
again — printing ``answered N`` after each answered batch; ``count`` prints what the server
holds as JSON. The test restarts the cluster while ``phone`` runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

RECORDS = 400
BATCH = 10
VISIT_DAY = (2026, 7, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
STATE_FILE = "field_restart_state.json"


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
