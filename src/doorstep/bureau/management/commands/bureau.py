"""``doorstep bureau report --month 2026-10 [--output FILE]``: generate and record the monthly
credit-bureau file; print it, or write it to FILE."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.bureau.services import report_generate
from doorstep.core.errors import DomainError


class Command(BaseCommand):
    help = "Credit-bureau reporting."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="Generate the monthly file.")
        report.add_argument("--month", required=True, help="YYYY-MM")
        report.add_argument("--output", help="Write the file here instead of printing it.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = report_generate(month=options["month"], actor=None)
        except DomainError as error:
            raise CommandError(error.message) from None
        if options.get("output"):
            Path(options["output"]).write_text(report.content, encoding="utf-8", newline="")
            self.stderr.write(
                f"{report.filename}: {report.data_rows} accounts, {report.correction_rows} "
                f"corrections, sha256 {report.sha256}"
            )
        else:
            self.stdout.write(report.content, ending="")
