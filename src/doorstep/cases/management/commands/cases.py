"""`doorstep cases sync`: refresh arrears, cure what is paid, open cases for the newly late."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from doorstep.cases.services import cases_sync
from doorstep.staff.models import Branch


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of must be a date like 2026-06-30, not {value!r}") from exc


class Command(BaseCommand):
    help = "Case maintenance. `sync` is the nightly intake, safe to run more than once a day."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="Refresh open cases and open cases for late customers.")
        sync.add_argument("--as-of", help="Date to compute arrears for (default: today).")
        sync.add_argument("--branch", help="Only this branch code.")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _day(options["as_of"]) if options["as_of"] else timezone.localdate()
        branches = Branch.objects.order_by("code")
        if options["branch"]:
            branches = branches.filter(code=options["branch"])
            if not branches.exists():
                raise CommandError(f"No branch with code {options['branch']!r}.")
        for branch in branches:
            result = cases_sync(as_of=as_of, branch=branch)
            self.stdout.write(
                f"{branch.code}: refreshed {result['refreshed']}, cured {result['cured']}, "
                f"opened {result['opened']}, joined {result['joined']} (as of {as_of})"
            )
