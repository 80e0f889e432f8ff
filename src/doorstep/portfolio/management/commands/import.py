"""``doorstep import accounts|payments|statements FILE``: the operator's import, for all branches.

Exit codes: 0 every row stored, 1 some rows rejected (the good ones are stored), 2 the file
itself cannot be imported (nothing stored).
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from doorstep.core.errors import DomainError
from doorstep.portfolio.importing import ImportReport, Outcome, import_file
from doorstep.portfolio.rows import Kind

SHOWN_ERRORS = 20
REPORT_FORMATS = (".csv", ".json")


class Command(BaseCommand):
    help = "Import accounts (with customers), payments or statements from a CSV or .xlsx file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in Kind])
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate every row but store nothing."
        )
        parser.add_argument(
            "--report", type=Path, help="Write the outcome of every row to this .csv or .json."
        )
        parser.add_argument(
            "--branch", help="Branch code for account rows whose branch column is empty."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = Kind(options["kind"])
        path: Path = options["file"]
        report_path: Path | None = options["report"]
        if report_path is not None and report_path.suffix.lower() not in REPORT_FORMATS:
            raise CommandError(_("--report must name a .csv or .json file."), returncode=2)
        if options["branch"] and kind is not Kind.ACCOUNTS:
            raise CommandError(_("--branch applies to account imports only."), returncode=2)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s.") % {"file": path, "reason": exc.strerror},
                returncode=2,
            ) from None

        started = time.perf_counter()
        with tqdm(unit=" rows", file=self.stderr, disable=None, leave=False) as bar:

            def total(rows: int | None) -> None:
                bar.total = rows
                bar.refresh()

            try:
                report = import_file(
                    kind=kind,
                    data=data,
                    filename=path.name,
                    actor=None,
                    dry_run=options["dry_run"],
                    default_branch=options["branch"],
                    progress=bar.update,
                    total=total,
                )
            except DomainError as exc:
                raise CommandError(f"{path.name}: {exc.message}", returncode=2) from None
        seconds = time.perf_counter() - started

        if report_path is not None:
            write_report(report, report_path)
        self._print_summary(report, seconds)
        rejected = report.count(Outcome.REJECTED)
        if rejected:
            raise CommandError(
                ngettext(
                    "%(rejected)d of %(rows)d rows was rejected.",
                    "%(rejected)d of %(rows)d rows were rejected.",
                    rejected,
                )
                % {"rejected": rejected, "rows": len(report.results)},
                returncode=1,
            )

    def _print_summary(self, report: ImportReport, seconds: float) -> None:
        rows = len(report.results)
        counts = {outcome.value: report.count(outcome) for outcome in Outcome}
        read = ngettext(
            "%(file)s: %(rows)d row in %(seconds).1f s",
            "%(file)s: %(rows)d rows in %(seconds).1f s",
            rows,
        ) % {"file": report.filename, "rows": rows, "seconds": seconds}
        outcome = _(
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(rejected)d rejected."
        )
        self.stdout.write(f"{read}: {outcome % counts}")
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was stored."))
        if report.cases_refreshed:
            self.stdout.write(
                ngettext(
                    "Arrears refreshed on %(count)d open case.",
                    "Arrears refreshed on %(count)d open cases.",
                    report.cases_refreshed,
                )
                % {"count": report.cases_refreshed}
            )
        if report.ignored_columns:
            self.stdout.write(
                _("Columns not imported: %(columns)s.")
                % {"columns": ", ".join(report.ignored_columns)}
            )
        errors = report.errors
        for error in errors[:SHOWN_ERRORS]:
            self.stderr.write(str(error))
        if len(errors) > SHOWN_ERRORS:
            self.stderr.write(
                _("… and %(count)d more problems; write them all with --report FILE.csv.")
                % {"count": len(errors) - SHOWN_ERRORS}
            )


REPORT_COLUMNS = ["line", "key", "outcome", "field", "reason"]


def write_report(report: ImportReport, path: Path) -> None:
    """Every row's outcome: CSV with one line per row (per problem for a rejected row), opened
    cleanly by Excel, or JSON with the API's summary plus ``rows``."""
    if path.suffix.lower() == ".json":
        body = {
            "kind": report.kind.value,
            "file": report.filename,
            **report.summary(),
            "rows": [
                {
                    "line": r.line,
                    "key": r.key,
                    "outcome": r.outcome.value,
                    "errors": [{"field": e.field, "reason": e.reason} for e in r.errors],
                }
                for r in report.results
            ],
        }
        path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(REPORT_COLUMNS)
        for result in report.results:
            problems = result.errors or (None,)
            for error in problems:
                writer.writerow(
                    [
                        result.line,
                        result.key,
                        result.outcome.value,
                        error.field if error else "",
                        error.reason if error else "",
                    ]
                )
