"""Self-service assistant benchmark: answer quality on the evaluation set and answer latency.

``python -m bench.assistant`` prints a markdown section. Quality: top-1 and top-3 accuracy and
the confident-but-wrong rate on ``assistant/tests/evalset.tsv`` (overall and by language).
Latency: ``services.answer_question`` — the API's path without HTTP: the served-version check
on the database, segmentation, BM25 and the answer text — for every question of the set, five
rounds after one warm-up round, on a fresh SQLite database in a temporary directory with the
shipped articles loaded. No LLM.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime

ROUNDS = 5


def _setup() -> None:
    os.environ["DOORSTEP_DATA_DIR"] = tempfile.mkdtemp(prefix="ds_bench_assistant_")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    _setup()
    from doorstep.assistant.evaluation import evaluate, read_evalset
    from doorstep.assistant.selectors import library
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
    lines = [
        "## bench.assistant",
        "",
        f"Debtor self-service assistant, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, Python {sys.version.split()[0]}, SQLite, no LLM.",
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
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
