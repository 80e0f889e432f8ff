"""`doorstep privacy …`: the retention job by hand.

    doorstep privacy retention --dry-run        # what would be erased and what holds keep
    doorstep privacy retention                  # erase what is due, store the report
    doorstep privacy retention --as-of 2029-01-31

Progress goes to standard error; the run's report (JSON) to standard output.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from doorstep.privacy.retention import retention_run


class Command(BaseCommand):
    help = "Privacy: run the retention job (delete or anonymise what expired)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        retention = sub.add_parser("retention", help="Delete or anonymise what expired.")
        retention.add_argument(
            "--dry-run", action="store_true", help="Report what would be done; change nothing."
        )
        retention.add_argument(
            "--as-of", type=date.fromisoformat, help="The day to judge expiry on (default today)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(done: int, total: int) -> None:
            self.stderr.write(f"{done}/{total} customers examined")

        run = retention_run(dry_run=options["dry_run"], as_of=options["as_of"], progress=progress)
        self.stderr.write(f"retention run #{run.pk}: {run.status}")
        self.stdout.write(json.dumps(run.report, ensure_ascii=False, indent=2))
