"""Explanations: one sentence per fired rule in zh-hans or English, naming the article."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from doorstep.compliance.engine import (
    Calendar,
    Channel,
    CnParams,
    Contact,
    Debtor,
    Decision,
    Verdict,
    YearArrangement,
    decide,
    explain,
)
from doorstep.compliance.engine.explain import Lang
from doorstep.compliance.engine.packs import ContactScenario, PackRun, parse

PACKS = Path(__file__).resolve().parents[1] / "packs"


def holiday_visit(when: str, calendar: Calendar) -> Decision:
    return decide(
        Contact(Channel.VISIT, datetime.fromisoformat(when), staff_count=2),
        Debtor(),
        [],
        profile="cn",
        params=CnParams(),
        calendar=calendar,
        version="v7",
    )


def test_a_national_day_visit_is_explained_as_issue_3_words_it() -> None:
    decision = holiday_visit("2026-10-01T10:00:00+08:00", Calendar())

    assert [(e.rule, e.verdict, e.text) for e in explain(decision)] == [
        (
            "CN-HOL-01",
            Verdict.BLOCK,
            "2026-10-01 是国庆节法定休息日，不得上门（全国年节及纪念日放假办法 第2条）",
        )
    ]
    assert [e.text for e in explain(decision, "en")] == [
        "2026-10-01 is a public-holiday rest day (National Day): no field visits "
        "(National Holidays and Memorial Days Measures (2024), Art 2)"
    ]


def test_a_rest_day_of_a_loaded_year_without_a_name_is_still_explained() -> None:
    calendar = Calendar([YearArrangement(2027, frozenset({date(2027, 10, 1)}), frozenset())])

    decision = holiday_visit("2027-10-01T10:00:00+08:00", calendar)

    assert [e.text for e in explain(decision)] == [
        "2027-10-01 是法定休息日，不得上门（全国年节及纪念日放假办法 第2条）"
    ]


def test_an_unknown_year_asks_for_approval_in_words() -> None:
    decision = holiday_visit("2027-03-03T10:00:00+08:00", Calendar())

    assert [e.text for e in explain(decision, "en")] == [
        "The official arrangement for 2027 is not loaded, so whether 2027-03-03 is a rest day "
        "is unknown: the visit needs approval (bank policy (fail-safe: never guess))"
    ]


def pack_decisions() -> list[Decision]:
    run = PackRun(calendar=Calendar(), version="test")
    decisions = []
    for path in sorted(PACKS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            scenario = parse(line)
            if isinstance(scenario, ContactScenario):
                decisions.append(
                    decide(
                        scenario.contact,
                        scenario.debtor,
                        scenario.history,
                        profile=scenario.profile,
                        params=run.params[scenario.profile],
                        calendar=run.calendar,
                        version=run.version,
                    )
                )
    return decisions


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_rule_fired_by_the_shipped_packs_explains_itself_with_its_article(
    lang: Lang,
) -> None:
    explained = {}
    for decision in pack_decisions():
        for fired, explanation in zip(decision.fired, explain(decision, lang), strict=True):
            citation = fired.citation.zh if lang == "zh-hans" else fired.citation.en
            assert explanation.text.endswith(
                f"（{citation}）" if lang == "zh-hans" else f"({citation})"
            )
            assert "{" not in explanation.text
            explained[fired.rule] = explanation.text

    assert len(explained) == 25  # every contact rule but CN-HOL-03 (needs weekends off)
