"""``doorstep assistant load`` stores the reviewed article files; ``doorstep assistant
evaluate`` measures the answering on the evaluation set (top-1, top-3, confident-but-wrong);
``doorstep assistant demo-debtor`` prints the phone and ID last four of one demo debtor with an
open case, to try the identity check (the code then appears in the server log)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.assistant.evaluation import evaluate, read_evalset, report_lines
from doorstep.assistant.kb import ArticleFormatError, read_directory
from doorstep.assistant.retrieval import Index
from doorstep.assistant.services import kb_sync
from doorstep.demo.selectors import demo_debtor


class Command(BaseCommand):
    help = "The debtor self-service assistant: load the knowledge base, evaluate the answering."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="Store the article files as reviewed versions (idempotent).")
        evaluate_parser = sub.add_parser("evaluate", help="Top-1/top-3/confident-but-wrong.")
        evaluate_parser.add_argument(
            "--misses", action="store_true", help="List the questions answered wrongly."
        )
        sub.add_parser("demo-debtor", help="A demo debtor's phone and ID last four.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "demo-debtor":
            self._demo_debtor()
            return
        try:
            articles = read_directory()
        except ArticleFormatError as error:
            raise CommandError(str(error)) from error
        if options["action"] == "load":
            added = kb_sync(articles)
            self.stdout.write(f"{len(articles)} article files, {added} new versions stored")
            return
        report = evaluate(Index(articles), read_evalset())
        lines = report_lines(report)
        self.stdout.write("\n".join(lines if options["misses"] else lines[:5]))

    def _demo_debtor(self) -> None:
        debtor = demo_debtor()
        if debtor is None:
            raise CommandError("No customer with an open case; run `doorstep demo load` first.")
        self.stdout.write(
            f"phone {debtor.phone}, ID last four {debtor.id_last4} "
            "(the one-time code appears in the server log)"
        )
