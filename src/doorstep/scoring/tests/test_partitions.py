"""The nightly run partitioned by branch (``scoring.run`` → ``scoring.run_branch`` per branch →
``scoring.finish``) gives the whole-book run's rows exactly, and each branch's task writes only
its branch's rows."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from doorstep.cases.models import Case
from doorstep.ledger.models import LedgerEntry
from doorstep.scoring import services, tasks
from doorstep.scoring.features import customer_features
from doorstep.scoring.history import history_load
from doorstep.scoring.models import (
    ExperimentCase,
    ModelVersion,
    Score,
    ScoringPartition,
    ScoringRun,
)
from doorstep.scoring.testing import synthetic_model_version
from doorstep.staff.models import Branch

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
FIELDS = (
    "case_id",
    "model_version_id",
    "points",
    "probability",
    "expected_recovery",
    "priority",
    "treatment",
    "visit_uplift",
    "reasons",
    "gbm_reasons",
    "acting",
    "arm",
)


@pytest.fixture
def bank() -> list[int]:
    """A small demo bank with a champion and a running champion–challenger experiment (so
    shadow scores and arms are partitioned too); the ids of branches with open cases."""
    call_command(
        "demo",
        "load",
        "--accounts",
        "400",
        "--seed",
        "3",
        "--as-of",
        AS_OF.isoformat(),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    owner = get_user_model().objects.get(username="manager_wang")
    champion = synthetic_model_version(owner, version=1, slope=60)
    ModelVersion.objects.filter(pk=champion.pk).update(status=ModelVersion.Status.CHAMPION)
    services.experiment_start(
        challenger=synthetic_model_version(owner, version=2, slope=15),
        share=Decimal("0.3"),
        seed=5,
        actor=owner,
        on=AS_OF,
    )
    return _branches_with_cases()


def _branches_with_cases() -> list[int]:
    return sorted(
        {
            branch
            for branch in Branch.objects.values_list("pk", flat=True)
            if services._open_cases(AS_OF, Branch.objects.get(pk=branch))
        }
    )


def _rows() -> list[tuple[Any, ...]]:
    return list(Score.every.order_by("case_id", "model_version_id").values_list(*FIELDS))


def _runs() -> list[tuple[Any, ...]]:
    return list(
        ScoringRun.objects.order_by("model_version_id").values_list(
            "model_version_id", "cases", "stability", "alerts", "complete"
        )
    )


def test_the_partitioned_run_gives_the_whole_book_run_row_for_row(bank: list[int]) -> None:
    assert len(bank) >= 3  # several branches, each its own partition

    whole = services.scores_run(as_of=AS_OF)
    rows, runs = _rows(), _runs()
    Score.every.all().delete()
    ScoringRun.objects.all().delete()

    queued = tasks.scoring_run.delay(AS_OF.isoformat()).get()

    assert queued == list(Branch.objects.order_by("pk").values_list("pk", flat=True))
    assert _rows() == rows
    assert _runs() == runs
    assert whole.run.cases == sum(1 for row in rows if row[1] == whole.run.model_version_id)
    assert {row[10] for row in rows} == {True, False}  # shadow scores were partitioned too
    assert runs[0][2]["score_psi"] >= 0
    assert runs[0][4] is True
    assert set(
        ScoringPartition.objects.filter(cases__gt=0).values_list("branch_id", flat=True)
    ) == set(bank)


def test_a_branchs_history_gives_its_customers_the_book_features(bank: list[int]) -> None:
    book = customer_features(history_load(upto=AS_OF), AS_OF)
    for branch in bank:
        mine = Case.objects.filter(branch_id=branch).values("customer_id")
        ids = sorted(set(mine.values_list("customer_id", flat=True)))
        own = customer_features(history_load(upto=AS_OF, customers=mine), AS_OF)

        assert sorted(own["customer_id"].to_list()) == ids
        assert own.sort("customer_id").equals(
            book.filter(pl.col("customer_id").is_in(ids)).sort("customer_id")
        )


def test_priorities_rank_within_each_branch_by_expected_recovery(bank: list[int]) -> None:
    services.scores_run(as_of=AS_OF)

    for branch in bank:
        scores = Score.every.filter(case__branch_id=branch, model_version__status="champion")
        ranks = sorted(scores.values_list("priority", flat=True))
        assert ranks == list(range(1, len(ranks) + 1))
        by_rank = list(scores.order_by("priority").values_list("expected_recovery", flat=True))
        assert by_rank == sorted(by_rank, reverse=True)


def test_each_branch_task_writes_only_its_branch_rows(bank: list[int]) -> None:
    tasks.scoring_run.delay(AS_OF.isoformat())
    target = bank[1]

    def snapshot() -> dict[str, set[tuple[Any, ...]]]:
        return {
            "scores": set(Score.every.values_list("pk", "case__branch_id")),
            "arms": set(ExperimentCase.objects.values_list("pk", "case__branch_id")),
            "partitions": set(
                ScoringPartition.objects.values_list("pk", "branch_id", "finished_at")
            ),
        }

    before, content = snapshot(), _rows()
    tasks.scoring_run_branch.delay(target, AS_OF.isoformat())
    after = snapshot()

    for kind in ("scores", "partitions"):
        changed = before[kind] ^ after[kind]
        assert changed, kind
        assert {row[1] for row in changed} == {target}, kind
    assert after["arms"] == before["arms"]  # arms are recorded once, the first night
    assert _rows() == content  # the re-run replaced the branch's rows with the same ones


def test_the_whole_book_step_waits_for_every_partition_and_runs_once(bank: list[int]) -> None:
    services.scores_prepare(as_of=AS_OF)
    for branch in bank[:-1]:
        services.scores_run_branch(as_of=AS_OF, branch=Branch.objects.get(pk=branch))

    assert services.scores_finish(as_of=AS_OF) is None
    assert not ScoringRun.objects.filter(complete=True).exists()
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager_wang"))
    listed = client.get("/api/v1/scoring/runs").json()["items"]
    assert [run["complete"] for run in listed] == [False, False]

    tasks.scoring_run_branch.delay(bank[-1], AS_OF.isoformat())  # the last one finishes
    entries = LedgerEntry.objects.filter(kind="scoring.run").count()
    tasks.scoring_finish.delay(AS_OF.isoformat())  # a duplicate delivery

    assert ScoringRun.objects.filter(complete=True).count() == 2
    assert entries == 2  # champion and challenger, once each
    assert LedgerEntry.objects.filter(kind="scoring.run").count() == entries


def test_beat_starts_the_partitioned_run(bank: list[int]) -> None:
    from doorstep.worker import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    entry = app.conf.beat_schedule["scoring-nightly"]

    app.tasks[entry["task"]].delay(AS_OF.isoformat())

    assert ScoringRun.objects.filter(as_of=AS_OF, complete=True).count() == 2
    assert not ScoringPartition.objects.filter(finished_at__isnull=True).exists()


@pytest.mark.django_db(databases=[])
@pytest.mark.parametrize(("heavy", "expected"), [("heavy", "heavy"), ("", "celery")])
def test_the_heavy_queue_takes_the_branch_partitions_only(heavy: str, expected: str) -> None:
    """DOORSTEP_HEAVY_QUEUE is read when the Celery app is made, so a fresh interpreter."""
    code = (
        "import django; django.setup()\n"
        "from doorstep.worker import app\n"
        "route = app.amqp.router.route\n"
        "for name in ('scoring.run_branch', 'planning.plan_branch', 'scoring.run',"
        " 'scoring.finish', 'planning.plan_all', 'ledger.sign_checkpoint'):\n"
        "    print(name, route({}, name)['queue'].name)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "doorstep.settings"}
    env["DOORSTEP_HEAVY_QUEUE"] = heavy
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    queues = dict(line.split() for line in out.splitlines())

    assert queues == {
        "scoring.run_branch": expected,
        "planning.plan_branch": expected,
        "scoring.run": "celery",
        "scoring.finish": "celery",
        "planning.plan_all": "celery",
        "ledger.sign_checkpoint": "celery",
    }
