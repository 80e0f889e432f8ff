"""Self-service assistant benchmark: answer quality on the evaluation set and answer latency.

``python -m bench.assistant`` prints a markdown section. Quality: top-1 and top-3 accuracy and
the confident-but-wrong rate on ``assistant/tests/evalset.tsv`` (overall and by language).
Latency: ``services.answer_question`` — the API's path without HTTP: the served-version check
on the database, segmentation, BM25 and the answer text — for every question of the set, five
rounds after one warm-up round, on a fresh SQLite database in a temporary directory with the
shipped articles loaded. No LLM.

Baseline, same run, same articles and questions: a keyword FAQ matcher without jieba or BM25 —
an article scores one point for each of its keywords and its title found as a substring of the
question (lower-cased), best score first, confident when the best score is unique. Its
accuracy is judged by the same ``evaluate``; its ranking time is set beside ``Index.rank``'s
(the retrieval step alone, without the database check and the answer text).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench._machine import Machine

ROUNDS = 5


class KeywordMatch:
    """The naive baseline: count the article's keywords and title found in the question."""

    def __init__(self, articles: Sequence[Any]) -> None:
        self.phrases: dict[str, set[str]] = {}
        for article in articles:
            phrases = self.phrases.setdefault(article.slug, set())
            phrases.update(k.strip().lower() for k in (*article.keywords, article.title))
            phrases.discard("")

    def rank(self, question: str) -> Any:
        from doorstep.assistant.retrieval import Hit, Ranking

        text = question.lower()
        hits = [
            Hit(slug, float(sum(phrase in text for phrase in phrases)))
            for slug, phrases in self.phrases.items()
        ]
        hits = sorted((h for h in hits if h.score > 0), key=lambda h: (-h.score, h.slug))
        unique = len(hits) == 1 or (len(hits) > 1 and hits[0].score > hits[1].score)
        return Ranking(tuple(hits), confident=bool(hits) and unique)


def _ranking_ms(rank: Callable[[str], Any], questions: Sequence[Any]) -> list[float]:
    for question in questions:  # warm-up
        rank(question.text)
    times = []
    for _round in range(ROUNDS):
        for question in questions:
            start = time.perf_counter()
            rank(question.text)
            times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def _setup() -> None:
    os.environ["DOORSTEP_DATA_DIR"] = tempfile.mkdtemp(prefix="ds_bench_assistant_")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    machine = Machine(sqlite=True)
    _setup()
    from doorstep.assistant.evaluation import evaluate, read_evalset
    from doorstep.assistant.selectors import as_text, library
    from doorstep.assistant.services import answer_question, kb_sync

    kb_sync()
    questions = read_evalset()
    index = library().index
    overall = evaluate(index, questions)
    by_lang = {
        lang: evaluate(index, [q for q in questions if q.lang == lang])
        for lang in ("zh", "en", "mix")
    }
    lang_of = {"zh": "zh-hans", "mix": "zh-hans", "en": "en"}
    for question in questions:  # warm-up: jieba's dictionary, the index
        answer_question(question=question.text, lang=lang_of[question.lang])
    times = []
    for _round in range(ROUNDS):
        for question in questions:
            start = time.perf_counter()
            answer_question(question=question.text, lang=lang_of[question.lang])
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]

    naive = KeywordMatch([as_text(version) for version in library().articles.values()])
    baseline = evaluate(naive, questions)  # type: ignore[arg-type]
    ours_ms = _ranking_ms(index.rank, questions)
    naive_ms = _ranking_ms(naive.rank, questions)
    lines = [
        "## Debtor self-service assistant (`bench.assistant`)",
        "",
        "Answer quality on the evaluation set and answer latency; SQLite, no LLM.",
        "",
        f"Evaluation set: {overall.questions} questions, {overall.answerable} mapped to an "
        f"article, {overall.questions - overall.answerable} that no article answers.",
        "",
        "| questions | n | top-1 | top-3 | confident but wrong | confident and right |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, report in [("all", overall), *by_lang.items()]:
        lines.append(
            f"| {name} | {report.questions} | {report.top1:.1%} | {report.top3:.1%} | "
            f"{report.confident_wrong:.1%} | {report.confident:.1%} |"
        )
    lines += [
        "",
        "Targets (issue 10): top-1 ≥ 90 %, confident-but-wrong ≤ 2 %.",
        "",
        f"Answer latency over {len(times)} answers: median {statistics.median(times):.2f} ms, "
        f"p95 {p95:.2f} ms, max {times[-1]:.2f} ms (target: p95 < 50 ms).",
        "",
        "Baseline: keyword substring match (no jieba, no BM25), same articles and questions; "
        f"ranking time over {len(ours_ms)} rankings each (retrieval only).",
        "",
        "| all questions | top-1 | top-3 | confident but wrong | confident and right "
        "| ranking median | ranking p95 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, report, ms in (
        ("jieba + BM25 (ours)", overall, ours_ms),
        ("keyword match (baseline)", baseline, naive_ms),
    ):
        lines.append(
            f"| {name} | {report.top1:.1%} | {report.top3:.1%} | {report.confident_wrong:.1%} | "
            f"{report.confident:.1%} | {statistics.median(ms):.3f} ms "
            f"| {ms[int(len(ms) * 0.95) - 1]:.3f} ms |"
        )
    ratio = overall.top1 / baseline.top1 if baseline.top1 else float("inf")
    lines += [
        "",
        f"Top-1 accuracy of ours over the baseline's: **{ratio:.2f}×** "
        f"({overall.top1:.1%} against {baseline.top1:.1%}); ranking time, median, ours over "
        f"the baseline's: **{statistics.median(ours_ms) / statistics.median(naive_ms):.1f}×** "
        "(the price of segmenting and scoring).",
        "",
        machine.table(),
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
