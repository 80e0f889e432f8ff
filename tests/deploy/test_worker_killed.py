"""A worker killed mid-task loses nothing and doubles nothing: real ``celery -A doorstep.worker
worker`` processes (prefork, one child) on Redis, against the test's own committed database.

- Its pool child killed (SIGKILL) mid-task: the worker's main process rejects the task
  (``task_reject_on_worker_lost``) and it runs again at once.
- The whole worker killed (SIGKILL to its process group, a lost node): the task it held stays
  unacknowledged in Redis (``task_acks_late``) and a second worker takes it back after the
  visibility timeout.

The kill lands where the database or the worker's log shows the task part done. Each time the
end state is the one a run never interrupted leaves: ``scoring.run`` gives the whole-book run
row for row, one acting score per case and one ledger entry; ``plans.promise_reminders`` sends
each reminder SMS once, even when killed while the gateway answers (the gateway here writes
every message it accepts to a file, which outlives the killed process; this failed before
``promise_remind`` recorded the reminder ahead of the send); ``reports.aggregate`` gives the
same cells. PostgreSQL only: the workers need a database they can reach, which SQLite's
in-memory test database is not. About 100 s for the file.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from bench.worker_kill import GATEWAY_LOG, Worker, champion_install, gateway_sent
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AS_OF = date(2026, 6, 30)
SHANGHAI = ZoneInfo("Asia/Shanghai")
REDIS_URL = os.environ.get("WORKER_KILL_REDIS_URL", "redis://127.0.0.1:6379/11")
RECEIVED = r"Task {name}\[([0-9a-f-]+)\] received"
# A second worker with a 5 s visibility timeout that looks for lost tasks every second (kombu
# otherwise sweeps about every 100 s, longer than a test should wait).
LOOKS_EVERY_SECOND = {
    "CELERY_VISIBILITY_TIMEOUT": "5",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}
LOST = "WorkerLostError('Worker exited prematurely: signal 9 (SIGKILL)"


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def bank(transactional_db: None) -> str:
    """A 2,000-account demo bank with a champion model, committed (the workers are other
    processes; the database is emptied after the test). The test database's URL."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker processes need a shared database: run with PostgreSQL")
    assert connection.settings_dict["NAME"].startswith("test_")  # never a real bank
    call_command(
        "demo",
        "load",
        "--accounts",
        "2000",
        "--as-of",
        AS_OF.isoformat(),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    champion_install(owner=get_user_model().objects.get(username="manager_wang"), as_of=AS_OF)
    return _database_url()


@pytest.fixture
def broker() -> Iterator[Any]:
    """Redis database of these tests, empty."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def workers(bank: str, broker: Any, tmp_path: Path) -> Iterator[Any]:
    """Starts workers on the bank and the broker (``start(name, **env)``); stops them all."""
    started: list[Worker] = []

    def start(name: str, **extra: str) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": bank,
            "CELERY_BROKER_URL": REDIS_URL,
            # The test's own: the data keys' wrapping key and the ledger key are there.
            "DOORSTEP_DATA_DIR": str(settings.DATA_DIR),
            GATEWAY_LOG: str(tmp_path / "gateway.log"),
            **extra,
        }
        env.pop("DOORSTEP_ENV", None)
        worker = Worker(name, env, tmp_path / f"{name}.log")
        started.append(worker)
        return worker.start()

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


def send(name: str, *args: Any) -> None:
    from celery import Celery

    with Celery("sender", broker=REDIS_URL, set_as_current=False) as sender:
        sender.send_task(name, args=list(args))


def until(
    condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.005
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(every)


def idle(broker: Any) -> bool:
    """Nothing queued and nothing held unacknowledged."""
    return broker.llen("celery") == 0 and broker.hlen("unacked") == 0


def killed_child(worker: Worker, when: Callable[[], bool], task: str, what: str) -> str:
    """SIGKILL the worker's pool child as soon as ``when`` holds; the id of the ``task``
    it was running, which must have been lost mid-run (not finished) and run again."""
    try:
        until(when, timeout=120, what=what)
    except AssertionError as error:
        raise AssertionError(f"{error}; the worker's log:\n{worker.text()[-4000:]}") from None
    worker.kill_child()
    running = worker.text()
    task_id = [m.group(1) for m in _received(task, running)][-1]
    assert f"{task}[{task_id}] succeeded" not in running  # it had not finished
    worker.wait_for(re.escape(LOST), timeout=30)
    return task_id


def _received(task: str, text: str) -> Iterator[Any]:
    return re.finditer(RECEIVED.format(name=re.escape(task)), text)


def _charts(messages: list[bytes]) -> set[str]:
    """The charts of queued or held ``reports.aggregate_chart`` messages."""
    charts = set()
    for raw in messages:
        message = json.loads(raw)
        if isinstance(message, list):  # held: [message, exchange, routing key]
            message = message[0]
        if message["headers"]["task"] == "reports.aggregate_chart":
            charts.add(json.loads(base64.b64decode(message["body"]))[0][0])
    return charts


def test_a_scoring_branch_killed_mid_run_is_run_again_and_the_night_is_the_whole_book_run(
    workers: Any, broker: Any
) -> None:
    from doorstep.ledger.models import LedgerEntry
    from doorstep.scoring import services
    from doorstep.scoring.models import Score, ScoringPartition, ScoringRun

    def rows() -> list[tuple[Any, ...]]:
        return list(
            Score.every.order_by("case_id", "model_version_id").values_list(
                "case_id", "model_version_id", "points", "probability", "priority", "treatment"
            )
        )

    services.scores_run(as_of=AS_OF)  # the run never interrupted, in one process
    uninterrupted = rows()
    assert len(uninterrupted) > 50
    Score.every.all().delete()
    ScoringRun.objects.all().delete()
    ScoringPartition.objects.all().delete()
    ledger = LedgerEntry.objects.filter(kind="scoring.run").count()

    worker = workers("scoring")
    send("scoring.run", AS_OF.isoformat())
    # Partial progress: one branch scored, the next one running.
    lost = killed_child(
        worker,
        lambda: (
            len(list(_received("scoring.run_branch", worker.text()))) == 2
            and ScoringPartition.objects.filter(as_of=AS_OF, finished_at__isnull=False).exists()
        ),
        "scoring.run_branch",
        "a first branch scored, the second running",
    )
    until(
        lambda: ScoringRun.objects.filter(as_of=AS_OF, complete=True).exists() and idle(broker),
        timeout=90,
        what="the scoring night finished",
        every=0.2,
    )

    log = worker.text()
    assert len(list(_received("scoring.run_branch", log))) == 4  # 3 branches, 1 run again
    assert [m.group(1) for m in _received("scoring.run_branch", log)].count(lost) == 2
    assert rows() == uninterrupted
    acting = Score.objects.values("case_id").annotate(n=Count("id"))
    assert {row["n"] for row in acting} == {1}  # one acting score per case
    assert LedgerEntry.objects.filter(kind="scoring.run").count() == ledger + 1
    assert ScoringPartition.objects.filter(finished_at__isnull=True).count() == 0


@dataclass
class Reminders:
    """Twelve promises due the day after ``at``, so ``plans.promise_reminders`` at ``at``
    reminds each: one SMS each, 0.2 s of gateway answer each."""

    promises: list[int]
    at: datetime
    gateway: Path
    ledger: int

    def in_flight(self) -> bool:
        """An SMS handed to the gateway whose answer is not recorded yet, others done."""
        from doorstep.plans.models import PromiseReminder

        sent = len(gateway_sent(self.gateway))
        return sent >= 3 and sent > PromiseReminder.objects.filter(gateway_ref__gt="").count()

    def assert_each_reminded_once(self) -> None:
        from doorstep.ledger.models import LedgerEntry
        from doorstep.plans.models import PromiseReminder
        from doorstep.plans.services import REMINDER_UNCONFIRMED

        reminders = PromiseReminder.objects.filter(promise__in=self.promises)
        assert sorted(reminders.values_list("promise_id", flat=True)) == sorted(self.promises)
        sms = gateway_sent(self.gateway)
        assert len(sms) >= 3
        assert Counter(sms).most_common(1)[0][1] == 1  # no SMS went twice
        sent = reminders.filter(status=PromiseReminder.Status.SENT)
        assert sorted(sms) == sorted(
            f"promise-{pk}-reminder" for pk in sent.values_list("promise", flat=True)
        )
        # The one whose answer the kill cut off stays marked, never sent again; every other
        # is complete, as if nothing had happened.
        unconfirmed = reminders.get(error=REMINDER_UNCONFIRMED)
        assert unconfirmed.gateway_ref == ""
        assert {
            ref[: len("file-promise-")]
            for ref in sent.exclude(pk=unconfirmed.pk).values_list("gateway_ref", flat=True)
        } == {"file-promise-"}
        entries = LedgerEntry.objects.filter(kind="promise.reminded").count()
        assert entries == self.ledger + len(self.promises) - 1


@pytest.fixture
def reminders(bank: str, tmp_path: Path) -> Reminders:
    from doorstep.cases.models import Case
    from doorstep.ledger.models import LedgerEntry
    from doorstep.plans.services import promise_take

    agent = get_user_model().objects.get(username="agent_li")
    due = AS_OF + timedelta(days=2)
    cases = Case.objects.filter(status="active", outstanding_principal__gte=100).order_by("pk")
    promises = [
        promise_take(
            case=case, amount=Decimal("100.00"), due_on=due, channel="call", actor=agent, on=AS_OF
        ).pk
        for case in cases[:12]
    ]
    assert len(promises) == 12
    return Reminders(
        promises=promises,
        at=datetime.combine(due - timedelta(days=1), datetime.min.time(), SHANGHAI).replace(
            hour=10
        ),
        gateway=tmp_path / "gateway.log",
        ledger=LedgerEntry.objects.filter(kind="promise.reminded").count(),
    )


def test_promise_reminders_killed_while_the_gateway_answers_send_no_sms_twice(
    workers: Any, broker: Any, reminders: Reminders
) -> None:
    from doorstep.plans.models import PromiseReminder

    worker = workers("reminders")
    send("plans.promise_reminders", reminders.at.isoformat())
    lost = killed_child(
        worker, reminders.in_flight, "plans.promise_reminders", "an SMS in flight, others sent"
    )
    worker.wait_for(rf"plans.promise_reminders\[{lost}\] succeeded", timeout=60)
    until(lambda: idle(broker), timeout=30, what="the queue emptied")

    reminders.assert_each_reminded_once()

    # The beat's next run of the day sends nothing more.
    sms = gateway_sent(reminders.gateway)
    send("plans.promise_reminders", (reminders.at + timedelta(hours=4)).isoformat())
    worker.wait_for(r"plans.promise_reminders\[[0-9a-f-]+\] succeeded", timeout=60, count=2)
    assert gateway_sent(reminders.gateway) == sms
    assert PromiseReminder.objects.filter(promise__in=reminders.promises).count() == 12


def test_a_lost_worker_s_reminders_are_taken_back_by_another_after_the_visibility_timeout(
    workers: Any, broker: Any, reminders: Reminders
) -> None:
    first = workers("reminders-1")
    send("plans.promise_reminders", reminders.at.isoformat())
    until(reminders.in_flight, timeout=60, what="an SMS in flight, others sent")
    first.kill_all()
    held = [m.group(1) for m in _received("plans.promise_reminders", first.text())][-1]
    assert f"[{held}] succeeded" not in first.text()
    assert broker.hlen("unacked") == 1  # held by the lost worker, not acknowledged
    assert broker.llen("celery") == 0

    lost_at = time.monotonic()
    second = workers("reminders-2", **LOOKS_EVERY_SECOND)
    second.wait_for(rf"plans.promise_reminders\[{held}\] succeeded", timeout=60)
    assert time.monotonic() - lost_at >= 5  # not before the visibility timeout
    until(lambda: idle(broker), timeout=10, what="the task acknowledged")

    reminders.assert_each_reminded_once()


def test_a_lost_worker_s_reports_are_finished_by_another_with_the_same_cells(
    workers: Any, broker: Any
) -> None:
    from doorstep.reports.charts import CHARTS
    from doorstep.reports.models import Fact, Run
    from doorstep.reports.services import chart_aggregate

    day = AS_OF - timedelta(days=1)

    def cells() -> list[tuple[Any, ...]]:
        return sorted(
            Fact.objects.filter(day=day).values_list(
                "chart",
                "branch_id",
                "team_id",
                "product",
                "key",
                "key2",
                "count",
                "amount",
                "amount2",
            ),
            key=repr,  # branch and team may be None
        )

    for chart in CHARTS.values():  # the run never interrupted
        chart_aggregate(chart=chart, day=day)
    uninterrupted = cells()
    runs = sorted(Run.objects.filter(day=day).values_list("chart", "rows"))
    assert len(uninterrupted) > 100
    Fact.objects.filter(day=day).delete()
    Run.objects.filter(day=day).delete()

    first = workers("reports-1")
    send("reports.aggregate", day.isoformat())
    until(lambda: Run.objects.filter(day=day).exists(), timeout=60, what="a first chart")
    first.kill_all()
    done = set(Run.objects.filter(day=day).values_list("chart", flat=True))
    assert 0 < len(done) < len(CHARTS)
    # Nothing lost with the worker: every chart is done, held unacknowledged (the one it was
    # running, or had just run), or still queued. A chart takes 15-100 ms, so the kill may
    # also fall between two: the reminders test above is the one that surely holds a task.
    held = _charts(broker.hvals("unacked"))
    held_ids = [json.loads(raw)[0]["headers"]["id"] for raw in broker.hvals("unacked")]
    assert len(held) == len(held_ids) <= 1
    assert done | held | _charts(broker.lrange("celery", 0, -1)) == set(CHARTS)

    second = workers("reports-2", **LOOKS_EVERY_SECOND)
    until(lambda: idle(broker), timeout=60, what="every chart taken back and run", every=0.2)
    for task_id in held_ids:
        second.wait_for(rf"reports.aggregate_chart\[{task_id}\] succeeded", timeout=10)

    assert cells() == uninterrupted
    assert sorted(Run.objects.filter(day=day).values_list("chart", "rows")) == runs
