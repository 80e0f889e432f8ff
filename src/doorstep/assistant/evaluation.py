"""Measuring the answering: top-1, top-3 and how often the assistant is sure and wrong.

The evaluation set (``tests/evalset.tsv``) holds colloquial debtor questions — typos, slang,
mixed Chinese and English — each mapped to the slug that answers it, or ``-`` when no article
does. A question with no article counts as *confident but wrong* if the assistant is confident
about anything: saying "I don't know" is the right answer there. Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from doorstep.assistant.retrieval import Index, Ranking

EVALSET = Path(__file__).resolve().parent / "tests" / "evalset.tsv"
NO_ARTICLE = "-"


@dataclass(frozen=True)
class Question:
    lang: str  # zh, en or mix
    slug: str
    text: str


@dataclass(frozen=True)
class Miss:
    question: Question
    got: tuple[str, ...]
    confident: bool


@dataclass(frozen=True)
class Report:
    questions: int
    answerable: int
    top1: float  # share of answerable questions whose best hit is the right slug
    top3: float
    confident_wrong: float  # share of all questions answered confidently and wrongly
    confident: float  # share of answerable questions answered confidently (and rightly)
    misses: tuple[Miss, ...]


def read_evalset(path: Path = EVALSET) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path.name}:{number}: expected lang<TAB>slug<TAB>question")
        questions.append(Question(*parts))
    return questions


def _judge(question: Question, ranking: Ranking) -> tuple[bool, bool, bool]:
    """(top-1 right, in top 3, confident and wrong)."""
    slugs = [hit.slug for hit in ranking.hits]
    if question.slug == NO_ARTICLE:
        return False, False, ranking.confident
    right = bool(slugs) and slugs[0] == question.slug
    return right, question.slug in slugs[:3], ranking.confident and not right


def evaluate(index: Index, questions: list[Question]) -> Report:
    top1 = top3 = wrong = sure = 0
    misses = []
    answerable = [q for q in questions if q.slug != NO_ARTICLE]
    for question in questions:
        ranking = index.rank(question.text)
        right, near, confident_wrong = _judge(question, ranking)
        top1 += right
        top3 += near
        wrong += confident_wrong
        sure += right and ranking.confident
        if confident_wrong or (question.slug != NO_ARTICLE and not right):
            misses.append(
                Miss(question, tuple(hit.slug for hit in ranking.hits[:3]), ranking.confident)
            )
    count = max(len(answerable), 1)
    return Report(
        questions=len(questions),
        answerable=len(answerable),
        top1=top1 / count,
        top3=top3 / count,
        confident_wrong=wrong / max(len(questions), 1),
        confident=sure / count,
        misses=tuple(misses),
    )


def report_lines(report: Report) -> list[str]:
    lines = [
        f"questions: {report.questions} ({report.answerable} with an article)",
        f"top-1 accuracy: {report.top1:.1%}",
        f"top-3 accuracy: {report.top3:.1%}",
        f"confident but wrong: {report.confident_wrong:.1%}",
        f"answered confidently and rightly: {report.confident:.1%}",
    ]
    for miss in report.misses:
        flag = "confident" if miss.confident else "unsure"
        lines.append(
            f"  miss [{miss.question.lang}] {miss.question.text!r}: expected "
            f"{miss.question.slug}, got {', '.join(miss.got) or 'nothing'} ({flag})"
        )
    return lines
