"""The batch path gives the same verdicts and rules as ``decide``, explained on demand."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from pathlib import Path

import pytest

from doorstep.compliance.engine import (
    BatchDecider,
    Calendar,
    Channel,
    CnParams,
    Contact,
    Debtor,
    EngineInputError,
    Outcome,
    PastContact,
    Proposal,
    Verdict,
    decide,
    default_params,
    explain,
)
from doorstep.compliance.engine.packs import ContactScenario, parse

PACKS = Path(__file__).resolve().parents[1] / "packs"
CALENDAR = Calendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize("profile", ["cn", "us", "uk"])
def test_the_batch_agrees_with_decide_on_every_shipped_scenario(profile: str) -> None:
    scenarios = [
        scenario
        for line in (PACKS / f"{profile}.jsonl").read_text(encoding="utf-8").splitlines()
        if isinstance(scenario := parse(line), ContactScenario)
    ]
    params = default_params(profile)
    batch = BatchDecider(
        debtors={s.id: s.debtor for s in scenarios},
        histories={s.id: s.history for s in scenarios},
        profile=profile,
        params=params,
        calendar=CALENDAR,
        version="v7",
    )

    outcomes = batch.decide_all(Proposal(s.id, s.contact) for s in scenarios)

    expected = []
    for s in scenarios:
        decision = decide(
            s.contact, s.debtor, s.history, profile=profile, params=params, calendar=CALENDAR,
            version="v7",
        )  # fmt: skip
        expected.append(Outcome(decision.verdict, decision.rules))
    assert outcomes == expected


def test_proposals_about_one_debtor_share_its_history() -> None:
    history = [PastContact(Channel.VISIT, at("2026-03-03T10:00:00+08:00"))]
    batch = BatchDecider(
        debtors={"debtor_zhang": Debtor(), "debtor_huang": Debtor()},
        histories={"debtor_zhang": history},
        profile="cn",
        params=CnParams(max_visits_per_period=1),
        calendar=CALENDAR,
        version="v7",
    )
    monday = Contact(Channel.VISIT, at("2026-03-09T10:00:00+08:00"), staff_count=2)
    tuesday = Contact(Channel.VISIT, at("2026-03-10T10:00:00+08:00"), staff_count=2)

    outcomes = batch.decide_all(
        [
            Proposal("debtor_zhang", monday),
            Proposal("debtor_zhang", tuesday),
            Proposal("debtor_huang", monday),
        ]
    )

    assert outcomes == [
        Outcome(Verdict.BLOCK, ("CN-FREQ-02",)),
        Outcome(Verdict.ALLOW, ()),
        Outcome(Verdict.ALLOW, ()),
    ]


def test_a_batch_outcome_is_explained_on_demand() -> None:
    batch = BatchDecider(
        debtors={"debtor_zhang": Debtor()},
        histories={},
        profile="cn",
        params=CnParams(),
        calendar=CALENDAR,
        version="v7",
    )
    proposal = Proposal(
        "debtor_zhang", Contact(Channel.VISIT, at("2026-10-01T10:00:00+08:00"), staff_count=2)
    )

    decision = batch.decision(proposal)

    assert (decision.version, decision.rules) == ("v7", ("CN-HOL-01",))
    assert [e.text for e in explain(decision)] == [
        "2026-10-01 是国庆节法定休息日，不得上门（全国年节及纪念日放假办法 第2条）"
    ]


def test_a_proposal_about_an_unknown_debtor_is_refused() -> None:
    debtors: dict[Hashable, Debtor] = {}
    batch = BatchDecider(
        debtors=debtors,
        histories={},
        profile="cn",
        params=CnParams(),
        calendar=CALENDAR,
        version="v7",
    )

    with pytest.raises(EngineInputError) as raised:
        batch.decide_all([Proposal(42, Contact(Channel.CALL, at("2026-03-02T10:00:00+08:00")))])

    assert str(raised.value) == "debtor: no facts were given for debtor 42"
