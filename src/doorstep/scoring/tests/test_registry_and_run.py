"""The registry, promotion through maker-checker, the nightly run and the read API."""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.template import Context, Template
from django.test import Client

from doorstep.compliance.services import hold_add
from doorstep.core.errors import DomainError
from doorstep.core.testing import World
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.services import approval_decide
from doorstep.scoring import services, training
from doorstep.scoring.features import FEATURE_NAMES
from doorstep.scoring.history import history_load
from doorstep.scoring.models import ModelVersion, Score, ScoringRun
from doorstep.scoring.scorecard import Scorecard
from doorstep.scoring.testing import synthetic_model_version

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _promote(world: World, version: ModelVersion) -> None:
    with transaction.atomic():
        request = services.model_promotion_request(
            version=version, requested_by=world.user("manager_wang"), reason="Validated."
        )
    with transaction.atomic():
        approval_decide(
            request=request, approver=world.user("admin"), approve=True, reason="Agreed."
        )


def test_a_challenger_becomes_champion_only_when_someone_else_approves(world: World) -> None:
    old = synthetic_model_version(world.user("manager_wang"), version=1, seed=4)
    ModelVersion.objects.filter(pk=old.pk).update(status=ModelVersion.Status.CHAMPION)
    new = synthetic_model_version(world.user("manager_wang"), version=2, seed=4)
    request = services.model_promotion_request(
        version=new, requested_by=world.user("manager_wang"), reason="Better on recent data."
    )

    with pytest.raises(DomainError) as refused:
        approval_decide(
            request=request, approver=world.user("manager_wang"), approve=True, reason="Mine."
        )
    new.refresh_from_db()
    assert refused.value.code == "own_request"
    assert new.status == ModelVersion.Status.CHALLENGER

    approval_decide(request=request, approver=world.user("admin"), approve=True, reason="Agreed.")

    new.refresh_from_db()
    old.refresh_from_db()
    assert new.status == ModelVersion.Status.CHAMPION
    assert old.status == ModelVersion.Status.RETIRED
    assert LedgerEntry.objects.filter(kind="scoring.model_promoted").count() == 1


def test_scoring_without_a_champion_is_a_usage_error(world: World) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("scoring", "run", "--date", "2026-06-30", stdout=StringIO())

    assert caught.value.returncode == 2
    assert "champion" in str(caught.value)
    assert not ScoringRun.objects.exists()


def test_a_run_scores_every_open_case_and_repeating_the_date_replaces_it(world: World) -> None:
    version = synthetic_model_version(world.user("manager_wang"), seed=4)
    _promote(world, version)

    first = services.scores_run(as_of=AS_OF)
    rows = list(Score.objects.order_by("case_id").values_list("case_id", "points", "priority"))
    again = services.scores_run(as_of=AS_OF)

    assert first.run.cases == 2
    assert again.replaced == 1
    assert ScoringRun.objects.count() == 1
    assert (
        list(Score.objects.order_by("case_id").values_list("case_id", "points", "priority")) == rows
    )
    assert {case for case, _, _ in rows} == {world.zhang_case.pk, world.huang_case.pk}
    # Priorities rank within a branch (the two cases are in different branches).
    assert world.zhang_case.branch_id != world.huang_case.branch_id
    assert [priority for _, _, priority in rows] == [1, 1]


def test_lightgbm_reasons_are_kept_for_the_worklist_only(world: World) -> None:
    _promote(world, synthetic_model_version(world.user("manager_wang"), seed=4))

    services.scores_run(as_of=AS_OF)

    scores = list(Score.objects.all())
    assert any(s.treatment in {"call", "visit"} for s in scores)
    for score in scores:
        if score.treatment in {"call", "visit"}:
            pushes = [r["contribution"] for r in score.gbm_reasons]
            assert pushes == sorted(pushes, reverse=True)
            assert all(p > 0 for p in pushes)
            assert {r["feature"] for r in score.gbm_reasons} <= set(FEATURE_NAMES)
        else:
            assert score.gbm_reasons == []


def test_stored_points_are_the_scorecard_points_and_reasons_are_points_lost(
    world: World,
) -> None:
    version = synthetic_model_version(world.user("manager_wang"), seed=4)
    _promote(world, version)
    services.scores_run(as_of=AS_OF)
    card = Scorecard.from_dict(version.scorecard)
    features = training.customer_features(history_load(upto=AS_OF), AS_OF)
    zhang = features.filter(features["customer_id"] == world.debtor_zhang.pk)

    score = Score.objects.get(case=world.zhang_case)

    frame = training.pandas_features(zhang)
    per_characteristic = card.points(frame)[0]
    assert score.points == round(card.base_points + per_characteristic.sum())
    best = {c.name: c.best for c in card.characteristics}
    lost = {
        c.name: best[c.name] - p
        for c, p in zip(card.characteristics, per_characteristic, strict=True)
    }
    for reason in score.reasons:
        assert reason["points_lost"] == pytest.approx(lost[reason["feature"]], abs=0.05)
    assert score.probability == pytest.approx(
        1 - card.probability(np.array([card.base_points + per_characteristic.sum()]))[0], abs=1e-6
    )


def test_agents_see_scores_of_their_own_cases_only(world: World) -> None:
    _promote(world, synthetic_model_version(world.user("manager_wang"), seed=4))
    services.scores_run(as_of=AS_OF)
    client = Client()
    client.force_login(world.user("agent_li"))

    mine = client.get(f"/api/v1/cases/{world.zhang_case.pk}/score")
    other = client.get(f"/api/v1/cases/{world.huang_case.pk}/score")
    worklist = client.get("/api/v1/scoring/worklist")
    registry = client.get("/api/v1/scoring/models")

    assert mine.status_code == 200
    body = mine.json()
    assert body["case_reference"] == world.zhang_case.reference
    assert body["model"] == "pay30 v1"
    assert {"label_en", "label_zh", "bin", "points_lost"} <= set(body["reasons"][0])
    assert body["treatment"] in {"sms", "call", "visit", "legal", "hardship", "hold"}
    assert body["visit_uplift"] == f"{Score.objects.get(case=world.zhang_case).visit_uplift:.2f}"
    assert other.status_code == 404
    assert [item["case_id"] for item in worklist.json()["items"]] == [world.zhang_case.pk]
    assert registry.status_code == 403


def test_managers_read_the_registry_with_metrics(world: World) -> None:
    version = synthetic_model_version(world.user("manager_wang"), seed=4)
    client = Client()
    client.force_login(world.user("manager_wang"))

    listed = client.get("/api/v1/scoring/models").json()
    detail = client.get(f"/api/v1/scoring/models/{version.pk}").json()
    missing = client.get("/api/v1/scoring/models/999999")

    assert listed["count"] == 1
    assert listed["items"][0]["status"] == "challenger"
    assert detail["scorecard"]["characteristics"][0]["name"] in FEATURE_NAMES
    assert missing.status_code == 404


@pytest.mark.slow
def test_the_demo_bank_history_is_learnable_and_training_is_reproducible() -> None:
    call_command(
        "demo",
        "load",
        "--accounts",
        "2500",
        "--seed",
        "7",
        "--as-of",
        "2026-06-30",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    owner = get_user_model().objects.get(username="manager_wang")

    first = services.model_train(as_of=AS_OF, owner=owner)
    second = services.model_train(as_of=AS_OF, owner=owner)

    assert first.rows >= services.MIN_TRAINING_ROWS
    assert first.metrics["models"]["scorecard"]["auc"] > 0.75
    assert first.metrics["models"]["lightgbm"]["auc"] > 0.75
    assert first.data_fingerprint == second.data_fingerprint
    assert first.metrics == second.metrics
    assert second.version == first.version + 1
    assert first.status == ModelVersion.Status.CHALLENGER


def test_a_hold_without_allowed_channels_puts_the_case_on_hold(world: World) -> None:
    _promote(world, synthetic_model_version(world.user("manager_wang"), seed=4))
    with transaction.atomic():
        hold_add(
            customer=world.debtor_zhang,
            kind="cease_contact",
            reason="Written request to stop contact.",
            actor=world.user("compliance_zhou"),
            starts_at=datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI),
        )

    services.scores_run(as_of=AS_OF)

    assert Score.objects.get(case=world.zhang_case).treatment == "hold"
    assert Score.objects.get(case=world.huang_case).treatment in {"sms", "call", "visit"}


def test_the_case_page_include_shows_points_and_what_lost_them(world: World) -> None:
    _promote(world, synthetic_model_version(world.user("manager_wang"), seed=4))
    page = Template("{% load scoring_ui %}{% case_score case %}")
    before = page.render(Context({"case": world.zhang_case}))
    services.scores_run(as_of=AS_OF)
    score = Score.objects.get(case=world.zhang_case)

    after = page.render(Context({"case": world.zhang_case}))

    assert "Not scored yet." in before
    assert f"{score.points} points" in after
    assert "pay30 v1" in after
    assert score.reasons
    for reason in score.reasons:
        assert f"({chr(0x2212)}{reason['points_lost']})" in after


def test_the_case_page_shows_the_score_panel(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user("agent_li"))
    html = client.get(f"/cases/{world.zhang_case.pk}/").content.decode()
    assert 'id="score"' in html
