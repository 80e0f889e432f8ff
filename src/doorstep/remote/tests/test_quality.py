"""Quality review (质检): sampling per agent, random and risk-weighted, the checklist and its
score, and trends per agent and team."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.cases.services import case_assign
from doorstep.core.errors import DomainError
from doorstep.remote import quality, services
from doorstep.remote.models import QualityReview
from doorstep.remote.selectors import quality_trends
from doorstep.remote.tests.conftest import CALL_DAY, at
from doorstep.remote.tests.factories import late_cases

pytestmark = pytest.mark.django_db
ALL_PASS = dict.fromkeys(quality.CHECKLIST, True)


def test_risk_weighting_picks_the_risky_call_more_often() -> None:
    calls = [quality.CallFacts(n, 1, "no_answer") for n in range(10)]
    calls.append(quality.CallFacts(99, 1, "dispute", outside_decision=True))
    picked = [
        quality.sample(calls, per_agent=1, method=quality.Method.RISK, seed=seed)
        for seed in range(200)
    ]
    plain = [
        quality.sample(calls, per_agent=1, method=quality.Method.RANDOM, seed=seed)
        for seed in range(200)
    ]
    assert sum(p == [99] for p in picked) > 150  # weight 40 against ten of weight 1
    assert sum(p == [99] for p in plain) < 40  # about 1 in 11
    assert quality.sample(calls, per_agent=3, method=quality.Method.RISK, seed=7) == (
        quality.sample(calls, per_agent=3, method=quality.Method.RISK, seed=7)
    )


@pytest.fixture
def calls(world):  # type: ignore[no-untyped-def]
    """Three wrapped-up calls by agent_zhao on the call day."""
    manager = world.user("manager_wang")
    user = world.user("agent_zhao")
    made = []
    for case in late_cases(world.xh, 3):
        case_assign(case=case, agent=world.agent_zhao, actor=manager)
    for n in range(3):
        moment = at(CALL_DAY, 10 + n)
        call = services.call_next(user=user, at=moment)
        made.append(
            services.call_wrap_up(
                call=call, actor=user, outcome="no_answer", duration_seconds=5, at=moment
            )
        )
    return made


def test_a_sample_takes_up_to_n_calls_per_agent_once(world, calls) -> None:
    manager = world.user("manager_wang")
    first = services.quality_sample(
        actor=manager, since=CALL_DAY, until=CALL_DAY, per_agent=2, method="random", seed=1
    )
    assert len(first) == 2
    assert {r.agent_id for r in first} == {world.agent_zhao.pk}
    again = services.quality_sample(
        actor=manager, since=CALL_DAY, until=CALL_DAY, per_agent=2, method="risk", seed=1
    )
    assert len(again) == 1  # only the one not sampled yet
    none = services.quality_sample(
        actor=manager,
        since=CALL_DAY + timedelta(days=1),
        until=CALL_DAY + timedelta(days=1),
        per_agent=2,
        method="random",
    )
    assert none == []


def test_a_review_scores_the_checklist_and_trends_average_it(world, calls) -> None:
    manager = world.user("manager_wang")
    reviews = services.quality_sample(
        actor=manager, since=CALL_DAY, until=CALL_DAY, per_agent=2, method="random", seed=3
    )
    services.quality_review(review=reviews[0], actor=manager, answers=ALL_PASS)
    services.quality_review(
        review=reviews[1],
        actor=world.user("auditor_chen"),
        answers={**ALL_PASS, "identity_and_purpose": False},
        coaching="State the bank and the purpose before anything else.",
    )
    assert sorted(QualityReview.objects.values_list("score", flat=True)) == [80, 100]
    (agent,) = quality_trends(user=manager, by="agent")
    assert (agent.key, agent.reviews, agent.average) == (world.agent_zhao.pk, 2, 90.0)
    (team,) = quality_trends(user=world.user("auditor_chen"), by="team")
    assert (team.key, team.name, team.average) == (world.agent_zhao.team_id, "电催一组", 90.0)
    assert quality_trends(user=world.user("manager_liu"), by="agent") == []


def test_an_incomplete_checklist_or_a_second_review_is_refused(world, calls) -> None:
    manager = world.user("manager_wang")
    (review,) = services.quality_sample(
        actor=manager, since=CALL_DAY, until=CALL_DAY, per_agent=1, method="risk", seed=5
    )
    with pytest.raises(DomainError) as refused:
        services.quality_review(review=review, actor=manager, answers={"no_threats": True})
    assert refused.value.field == "answers"
    review.refresh_from_db()
    assert review.reviewed_at is None
    services.quality_review(review=review, actor=manager, answers=ALL_PASS)
    with pytest.raises(DomainError) as twice:
        services.quality_review(review=review, actor=manager, answers=ALL_PASS)
    assert twice.value.status == 409
    with pytest.raises(DomainError):
        services.quality_sample(
            actor=world.user("agent_zhao"),
            since=CALL_DAY,
            until=CALL_DAY,
            per_agent=1,
            method="risk",
        )


def test_the_api_samples_reviews_and_shows_trends(world, calls, client) -> None:
    client.force_login(world.user("manager_wang"))
    sampled = client.post(
        "/api/v1/remote/quality/samples",
        {"since": "2026-06-30", "until": "2026-06-30", "per_agent": 1, "method": "risk"},
        content_type="application/json",
    )
    assert sampled.status_code == 201
    (review,) = sampled.json()
    client.force_login(world.user("manager_liu"))
    other = client.post(
        f"/api/v1/remote/quality/reviews/{review['id']}",
        {"answers": ALL_PASS},
        content_type="application/json",
    )
    assert other.status_code == 403
    client.force_login(world.user("manager_wang"))
    done = client.post(
        f"/api/v1/remote/quality/reviews/{review['id']}",
        {"answers": ALL_PASS, "coaching": "Good."},
        content_type="application/json",
    )
    assert done.json()["score"] == 100
    trends = client.get("/api/v1/remote/quality/trends?by=team").json()
    assert [(t["name"], t["reviews"], t["average"]) for t in trends] == [("电催一组", 1, 100.0)]
