"""The knowledge base files and the answering core, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from doorstep.assistant import kb
from doorstep.assistant.evaluation import evaluate, read_evalset
from doorstep.assistant.office_hours import respond_by
from doorstep.assistant.retrieval import Action, Index, detect_action

GOOD = """---
slug: being-sued
lang: en
title: What if I am sued?
cites:
  - Civil Code, Art 188
reviewed_on: 2026-11-20
reviewer: compliance_zhou
keywords: [sued, court]
---
First paragraph.

More.
"""


@pytest.fixture(scope="module")
def index() -> Index:
    return Index(kb.read_directory())


def test_every_required_slug_ships_in_both_languages_with_citations_and_review() -> None:
    articles = kb.read_directory()
    have = {(a.slug, a.lang) for a in articles}
    assert have == {(slug, lang) for slug in kb.REQUIRED_SLUGS for lang in kb.LANGS}
    assert all(a.cites and a.reviewer and a.reviewed_on for a in articles)


def test_every_article_says_where_to_get_legal_advice_or_help() -> None:
    for article in kb.read_directory():
        assert "12348" in article.body or "12378" in article.body or "110" in article.body, (
            article.slug
        )


def test_an_article_file_is_parsed_with_its_front_matter_and_summary() -> None:
    article = kb.parse_article(GOOD, source="being-sued.en.md")
    assert article.cites == ("Civil Code, Art 188",)
    assert article.keywords == ("sued", "court")
    assert article.reviewed_on == date(2026, 11, 20)
    assert kb.summary(article.body) == "First paragraph."


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD.replace("reviewer: compliance_zhou\n", ""), "missing reviewer"),
        (GOOD.replace("lang: en", "lang: fr"), "'lang' must be one of"),
        (GOOD.replace("2026-11-20", "20 Nov"), "'reviewed_on' must be a date"),
        (GOOD.replace("---\nFirst", "First"), "closing"),
        (GOOD.split("---\nFirst")[0] + "---\n", "no body"),
    ],
)
def test_a_broken_article_file_is_refused_naming_the_file(text: str, problem: str) -> None:
    with pytest.raises(kb.ArticleFormatError, match=problem) as error:
        kb.parse_article(text, source="being-sued.en.md")
    assert "being-sued.en.md" in str(error.value)


def test_the_evaluation_targets_hold(index: Index) -> None:
    questions = read_evalset()
    report = evaluate(index, questions)
    assert len([q for q in questions if q.slug != "-"]) >= 150
    assert report.top1 >= 0.90
    assert report.confident_wrong <= 0.02


@pytest.mark.parametrize(
    "question",
    [
        "停息挂账怎么办理",
        "可以做个性化分期吗",
        "停息分其",
        "can I get tingxi fenqi",
        "想办 installment",
    ],
)
def test_slang_typos_and_mixed_language_find_the_instalment_article(
    index: Index, question: str
) -> None:
    best = index.rank(question).best
    assert best is not None
    assert best.slug == "interest-free-instalments"


def test_a_question_no_article_answers_is_not_answered_confidently(index: Index) -> None:
    assert not index.rank("今天天气怎么样").confident
    assert not index.rank("how do I open a savings account").confident


def test_asking_for_a_person_or_a_balance_is_an_action_not_a_search() -> None:
    assert detect_action("我要转人工") is Action.HUMAN
    assert detect_action("Can I talk to a person?") is Action.HUMAN
    assert detect_action("我还欠多少钱") is Action.BALANCE
    assert detect_action("停息分期怎么申请") is None


SHANGHAI = timezone(timedelta(hours=8))


def _weekend(day: date) -> bool:
    return day.weekday() >= 5


def test_a_handoff_in_office_hours_is_answered_within_two_office_hours() -> None:
    now = datetime(2026, 6, 29, 10, 30, tzinfo=SHANGHAI)  # Monday
    assert respond_by(now, _weekend) == datetime(2026, 6, 29, 12, 30, tzinfo=SHANGHAI)


def test_a_handoff_late_on_friday_carries_over_the_weekend() -> None:
    now = datetime(2026, 7, 3, 17, 30, tzinfo=SHANGHAI)  # Friday
    assert respond_by(now, _weekend) == datetime(2026, 7, 6, 10, 30, tzinfo=SHANGHAI)
    night = datetime(2026, 7, 3, 23, 0, tzinfo=UTC).astimezone(SHANGHAI)  # Sat 07:00
    assert respond_by(night, _weekend) == datetime(2026, 7, 6, 11, 0, tzinfo=SHANGHAI)
