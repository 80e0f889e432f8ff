"""Champion–challenger on the live book: both models score every case, each case's treatment
follows its recorded arm, the comparison counts the outcomes, and promotion waits for approval."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client

from doorstep.cases.models import Case
from doorstep.core.errors import DomainError
from doorstep.core.testing import World
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import approval_decide
from doorstep.portfolio.models import Payment
from doorstep.scoring import abtest, selectors, services
from doorstep.scoring.models import Experiment, ExperimentCase, ModelVersion, Score
from doorstep.scoring.testing import synthetic_model_version

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def _champion_and_challenger(world: World) -> tuple[ModelVersion, ModelVersion]:
    champion = synthetic_model_version(world.user("manager_wang"), version=1, slope=60, gbm=False)
    ModelVersion.objects.filter(pk=champion.pk).update(status=ModelVersion.Status.CHAMPION)
    champion.refresh_from_db()
    return champion, synthetic_model_version(
        world.user("manager_wang"), version=2, slope=15, gbm=False
    )


def _splitting_seed(case_ids: list[int], share: float) -> int:
    """A seed that puts the world's cases in different arms (found by the public hash)."""
    for seed in range(1000):
        if len({abtest.arm_of(seed, c, share) for c in case_ids}) == len(abtest.ARMS):
            return seed
    raise AssertionError("no splitting seed")


def test_both_models_score_every_case_and_each_case_is_treated_by_its_arm(world: World) -> None:
    champion, challenger = _champion_and_challenger(world)
    cases = [world.zhang_case.pk, world.huang_case.pk]
    seed = _splitting_seed(cases, 0.5)
    experiment = services.experiment_start(
        challenger=challenger,
        share=Decimal("0.5"),
        seed=seed,
        actor=world.user("manager_wang"),
        on=AS_OF,
    )

    services.scores_run(as_of=AS_OF)

    assert Score.every.count() == 4  # two models × two cases
    arms = dict(ExperimentCase.objects.values_list("case_id", "arm"))
    assert arms == {c: abtest.arm_of(seed, c, 0.5) for c in cases}
    model_of_arm = {abtest.CHAMPION: champion.pk, abtest.CHALLENGER: challenger.pk}
    for case in cases:
        acting = Score.objects.get(case_id=case)  # the only score that drives the treatment
        assert acting.model_version_id == model_of_arm[arms[case]]
        assert acting.arm == arms[case]
        shadow = Score.every.get(case_id=case, acting=False)
        assert shadow.model_version_id != acting.model_version_id
        assert shadow.points != acting.points  # the two scorecards really differ
        assert selectors.score_for_case(user=world.user("admin"), case_id=case) == acting
        assert selectors.visit_uplifts([case], on=AS_OF) == {case: acting.visit_uplift}
    worklist = selectors.worklist(user=world.user("admin"), as_of=AS_OF)
    assert {(s.case_id, s.model_version_id) for s in worklist} == {
        (c, model_of_arm[arms[c]]) for c in cases
    }
    assert experiment.status == Experiment.Status.RUNNING


def test_the_arms_are_recorded_once_and_kept_across_nightly_runs(world: World) -> None:
    _, challenger = _champion_and_challenger(world)
    services.experiment_start(
        challenger=challenger, share=Decimal("0.3"), seed=11, actor=world.user("manager_wang")
    )
    services.scores_run(as_of=AS_OF)
    first = set(ExperimentCase.objects.values_list("case_id", "arm", "assigned_on"))
    services.scores_run(as_of=AS_OF)  # the same night again: replaced, not doubled
    assert Score.every.count() == 4
    services.scores_run(as_of=date(2026, 7, 1))  # the next night
    assert set(ExperimentCase.objects.values_list("case_id", "arm", "assigned_on")) == first
    acting = dict(Score.objects.filter(as_of=date(2026, 7, 1)).values_list("case_id", "arm"))
    assert acting == {case: arm for case, arm, _ in first}


def test_a_second_experiment_or_a_share_out_of_range_is_refused(world: World) -> None:
    _, challenger = _champion_and_challenger(world)
    manager = world.user("manager_wang")
    with pytest.raises(DomainError) as bad_share:
        services.experiment_start(challenger=challenger, share=Decimal("1"), seed=1, actor=manager)
    assert bad_share.value.code == "invalid_share"
    services.experiment_start(challenger=challenger, share=Decimal("0.2"), seed=1, actor=manager)
    with pytest.raises(DomainError) as again:
        services.experiment_start(
            challenger=challenger, share=Decimal("0.2"), seed=2, actor=manager
        )
    assert again.value.code == "experiment_running"


def test_the_comparison_counts_cures_payments_in_the_window_and_kept_promises(
    world: World,
) -> None:
    _, challenger = _champion_and_challenger(world)
    zhang, huang = world.zhang_case, world.huang_case
    seed = _splitting_seed([zhang.pk, huang.pk], 0.5)
    experiment = services.experiment_start(
        challenger=challenger, share=Decimal("0.5"), seed=seed, actor=world.user("manager_wang")
    )
    services.scores_run(as_of=AS_OF)  # assigns both cases on 30 June
    account = zhang.accounts.get()
    for ext, paid_on, amount, reversed_on in [
        ("in-window", date(2026, 7, 10), "300.00", None),
        ("reversed", date(2026, 7, 12), "999.00", date(2026, 7, 20)),
        ("reversed-late", date(2026, 7, 15), "200.00", date(2026, 8, 15)),
        ("too-late", date(2026, 8, 5), "5000.00", None),
        ("same-day", date(2026, 6, 30), "77.00", None),
    ]:
        Payment.objects.create(
            account=account,
            external_id=ext,
            paid_on=paid_on,
            amount=Decimal(amount),
            reversed_on=reversed_on,
        )
    Case.objects.filter(pk=huang.pk).update(
        status="closed_cured", closed_at=datetime.combine(date(2026, 7, 20), time(10), SHANGHAI)
    )
    manager = Client()
    manager.force_login(world.user("manager_wang"))

    early = manager.get(
        f"/api/v1/scoring/experiments/{experiment.pk}/comparison?days=30&as_of=2026-07-29"
    ).json()
    body = manager.get(
        f"/api/v1/scoring/experiments/{experiment.pk}/comparison?days=30&as_of=2026-07-30"
    ).json()

    assert early["pending"] == 2  # 29 July: the 30 days are not over for either case
    assert early["arms"]["champion"]["cases"] + early["arms"]["challenger"]["cases"] == 0
    assert body["pending"] == 0
    zhang_arm = abtest.arm_of(seed, zhang.pk, 0.5)
    huang_arm = abtest.arm_of(seed, huang.pk, 0.5)
    # 300 in the window + 200 reversed only after it; not the 999 reversed inside it, not the
    # payment on the assignment day, not the one after the 30 days
    assert body["arms"][zhang_arm]["recovered_total"] == 500.0
    assert body["arms"][zhang_arm]["cure_rate"]["value"] == 0.0
    assert body["arms"][huang_arm]["cure_rate"]["value"] == 1.0
    assert body["arms"][huang_arm]["recovered_total"] == 0.0
    sign = 1 if huang_arm == abtest.CHALLENGER else -1
    assert body["difference"]["cure_rate"]["value"] == sign * 1.0
    # both models scored both cases on 30 June (shadow scores): zhang paid, huang did not, so
    # a model's AUC is 1 if it gave zhang the higher chance of paying, 0 if lower
    for arm, model in ((abtest.CHAMPION, 1), (abtest.CHALLENGER, 2)):
        p = dict(
            Score.every.filter(model_version__version=model, as_of=AS_OF).values_list(
                "case_id", "probability"
            )
        )
        expected = 1.0 if p[zhang.pk] > p[huang.pk] else 0.0 if p[zhang.pk] < p[huang.pk] else 0.5
        assert body["discrimination"][arm] == {"n": 2, "auc": expected}


def test_promoting_the_challenger_waits_for_someone_elses_approval(world: World) -> None:
    champion, challenger = _champion_and_challenger(world)
    experiment = services.experiment_start(
        challenger=challenger, share=Decimal("0.2"), seed=3, actor=world.user("manager_wang")
    )
    manager = Client()
    manager.force_login(world.user("manager_wang"))

    answer = manager.post(
        f"/api/v1/scoring/experiments/{experiment.pk}/promote",
        {"reason": "Cures more at the same cost."},
        content_type="application/json",
    )

    assert answer.status_code == 202
    challenger.refresh_from_db()
    assert challenger.status == ModelVersion.Status.CHALLENGER  # nothing changes yet
    request = ApprovalRequest.objects.get(pk=answer.json()["approval"])
    with pytest.raises(DomainError) as own:
        approval_decide(
            request=request, approver=world.user("manager_wang"), approve=True, reason="Mine."
        )
    assert own.value.code == "own_request"
    with transaction.atomic():
        approval_decide(request=request, approver=world.user("admin"), approve=True, reason="Ok.")
    challenger.refresh_from_db()
    champion.refresh_from_db()
    experiment.refresh_from_db()
    assert challenger.status == ModelVersion.Status.CHAMPION
    assert champion.status == ModelVersion.Status.RETIRED
    assert experiment.status == Experiment.Status.STOPPED
    assert LedgerEntry.objects.filter(kind="scoring.experiment_stopped").count() == 1


def test_an_agent_may_not_start_or_read_experiments(world: World) -> None:
    _, challenger = _champion_and_challenger(world)
    agent = Client()
    agent.force_login(world.user("agent_li"))
    answer = agent.post(
        "/api/v1/scoring/experiments",
        {"challenger_id": challenger.pk, "share": "0.1", "seed": 1},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert agent.get("/api/v1/scoring/experiments").status_code == 403
    assert not Experiment.objects.exists()


def test_the_managers_page_draws_the_comparison_chart_and_table(world: World) -> None:
    _, challenger = _champion_and_challenger(world)
    manager = Client()
    manager.force_login(world.user("manager_wang"))
    answer = manager.post(
        "/scoring/experiments/", {"challenger": challenger.pk, "share": "0.25", "seed": "4"}
    )
    experiment = Experiment.objects.get()
    assert answer.status_code == 302
    assert float(experiment.share) == 0.25
    services.scores_run(as_of=AS_OF)

    page = manager.get(f"/scoring/experiments/{experiment.pk}/?days=30").content.decode()

    assert 'data-chart="experiment-rates"' in page
    assert '"type": "boxplot"' in page
    assert "reports/vendor/echarts.min.js" in page
    assert "Cure rate (per cent)" in page
    assert "Ask to promote the challenger" in page
    assert "Ranking on the same cases (shadow scores)" in page


def test_a_comparison_date_out_of_range_is_refused_not_an_error(world: World) -> None:
    _, challenger = _champion_and_challenger(world)
    experiment = services.experiment_start(
        challenger=challenger, share=Decimal("0.2"), seed=3, actor=world.user("manager_wang")
    )
    manager = Client()
    manager.force_login(world.user("manager_wang"))
    base = f"/api/v1/scoring/experiments/{experiment.pk}/comparison"
    assert manager.get(f"{base}?as_of=0001-01-05").status_code == 422
    assert manager.get(f"{base}?days=0").status_code == 422
    assert manager.get(f"{base}?as_of=2026-07-30").status_code == 200
