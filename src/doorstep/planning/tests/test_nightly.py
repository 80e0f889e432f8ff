"""The nightly drafts: ``planning.plan_all`` fans out one ``planning.plan_branch`` per branch,
each builds a draft (never published), replaces only its own previous nightly draft, leaves a
published day or a manager's draft alone, and records why a branch got none."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from doorstep.core.testing import make_branch, make_staff
from doorstep.planning import tasks
from doorstep.planning.models import LeftOut, NightlyDraft, Plan, PlanStop
from doorstep.planning.services import plan_build, plan_publish
from doorstep.planning.tests.conftest import PLAN_DAY
from doorstep.staff.models import Role

pytestmark = pytest.mark.django_db

SECONDS = 0.5
DAY = PLAN_DAY.isoformat()


@pytest.fixture
def quiet_branch(world):  # type: ignore[no-untyped-def]
    """A branch with a field team but no visit to plan."""
    branch = make_branch("SZ", "深圳")
    for name in ("agent_zhou", "agent_wu"):
        make_staff(name, Role.FIELD_AGENT, branch=branch)
    return branch


def _outcomes() -> dict[int, str]:
    return dict(NightlyDraft.objects.filter(day=PLAN_DAY).values_list("branch_id", "outcome"))


def test_plan_all_drafts_each_branch_and_records_why_the_others_got_none(  # type: ignore[no-untyped-def]
    world, debtors, quiet_branch
) -> None:
    visits = debtors(4)

    queued = tasks.plan_all.delay(DAY, SECONDS).get()

    assert set(queued) == {world.xh.pk, world.bj.pk, quiet_branch.pk}
    assert _outcomes() == {
        world.xh.pk: "drafted",
        world.bj.pk: "no_field_teams",  # one field agent: no two-person team
        quiet_branch.pk: "no_candidates",
    }
    row = NightlyDraft.objects.get(branch=world.xh, day=PLAN_DAY)
    assert row.plan is not None
    assert row.plan.status == Plan.Status.DRAFT  # the manager publishes, not the night
    assert row.plan.created_by is None
    assert row.plan.published_at is None
    assert row.candidates == len(visits)
    assert row.agents == 4
    assert {s.visit_id for s in row.plan.stops.filter(visit__isnull=False)} == {
        v.pk for v in visits
    }
    assert not Plan.objects.exclude(branch=world.xh).exists()


def test_a_second_run_replaces_the_previous_nightly_draft(world, debtors) -> None:  # type: ignore[no-untyped-def]
    debtors(3)
    first = tasks.plan_branch.delay(world.xh.pk, DAY, SECONDS).get()
    old = NightlyDraft.objects.get(branch=world.xh, day=PLAN_DAY).plan_id

    second = tasks.plan_branch.delay(world.xh.pk, DAY, SECONDS).get()

    new = NightlyDraft.objects.get(branch=world.xh, day=PLAN_DAY).plan_id
    assert first == second == "drafted"
    assert new != old
    assert not Plan.objects.filter(pk=old).exists()
    assert list(Plan.objects.filter(branch=world.xh, day=PLAN_DAY).values_list("pk", flat=True))
    assert Plan.objects.filter(branch=world.xh, day=PLAN_DAY).count() == 1


def test_a_managers_draft_and_a_published_plan_are_left_alone(world, debtors) -> None:  # type: ignore[no-untyped-def]
    debtors(3)
    tasks.plan_branch.delay(world.xh.pk, DAY, SECONDS)
    nightly = NightlyDraft.objects.get(branch=world.xh, day=PLAN_DAY).plan
    assert nightly is not None
    own = plan_build(
        branch=world.xh, day=PLAN_DAY, actor=world.user("manager_wang"), seconds=SECONDS
    )

    assert tasks.plan_branch.delay(world.xh.pk, DAY, SECONDS).get() == "manager_draft"
    own.refresh_from_db()
    assert own.status == Plan.Status.DRAFT
    assert not Plan.objects.filter(pk=nightly.pk).exists()  # the night's own draft went

    published = plan_publish(plan=own, actor=world.user("manager_wang"))
    before = set(Plan.objects.values_list("pk", "status"))

    assert tasks.plan_branch.delay(world.xh.pk, DAY, SECONDS).get() == "published"
    assert set(Plan.objects.values_list("pk", "status")) == before
    assert Plan.objects.get(pk=published.pk).status == Plan.Status.PUBLISHED


def test_a_published_nightly_draft_is_kept_by_the_next_run(world, debtors) -> None:  # type: ignore[no-untyped-def]
    debtors(2)
    tasks.plan_branch.delay(world.xh.pk, DAY, SECONDS)
    draft = NightlyDraft.objects.get(branch=world.xh, day=PLAN_DAY).plan
    assert draft is not None
    plan_publish(plan=draft, actor=world.user("manager_wang"))

    assert tasks.plan_branch.delay(world.xh.pk, DAY, SECONDS).get() == "published"

    row = NightlyDraft.objects.get(branch=world.xh, day=PLAN_DAY)
    assert row.plan_id == draft.pk
    assert Plan.objects.get(pk=draft.pk).status == Plan.Status.PUBLISHED


def test_each_branch_task_writes_only_its_branch_rows(world, debtors, quiet_branch) -> None:  # type: ignore[no-untyped-def]
    debtors(3)
    tasks.plan_all.delay(DAY, SECONDS)

    def snapshot() -> dict[str, set[tuple[Any, ...]]]:
        return {
            "plans": set(Plan.objects.values_list("pk", "branch_id", "status")),
            "stops": set(PlanStop.objects.values_list("pk", "plan__branch_id")),
            "left_out": set(LeftOut.objects.values_list("pk", "plan__branch_id")),
            "nightly": set(NightlyDraft.objects.values_list("pk", "branch_id", "ran_at")),
        }

    before = snapshot()
    for branch in (world.xh, world.bj, quiet_branch):
        tasks.plan_branch.delay(branch.pk, DAY, SECONDS)
        after = snapshot()
        touched = {kind: {row[1] for row in before[kind] ^ after[kind]} for kind in before}
        assert touched["nightly"] == {branch.pk}
        assert touched["plans"] == ({branch.pk} if branch == world.xh else set())
        assert touched["stops"] <= {branch.pk}
        assert touched["left_out"] <= {branch.pk}
        before = after


def test_the_nightly_run_plans_the_next_working_day() -> None:
    assert tasks.next_working_day(date(2026, 6, 30)) == date(2026, 7, 1)  # Tue → Wed
    assert tasks.next_working_day(date(2026, 7, 3)) == date(2026, 7, 6)  # Fri → Mon
    assert tasks.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)  # National Day


def test_beat_queues_the_nightly_drafts_through_a_registered_task(world, debtors) -> None:  # type: ignore[no-untyped-def]
    from doorstep.worker import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    entry = app.conf.beat_schedule["planning-nightly"]
    debtors(2)

    queued = app.tasks[entry["task"]].delay(DAY, SECONDS).get()

    assert queued == [world.xh.pk, world.bj.pk]
    assert _outcomes() == {world.xh.pk: "drafted", world.bj.pk: "no_field_teams"}
