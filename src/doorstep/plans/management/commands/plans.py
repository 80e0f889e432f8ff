"""`doorstep plans nightly`: judge promises whose date has passed and break plans past grace."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from doorstep.plans.tasks import nightly


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of must be a date like 2026-06-30, not {value!r}") from exc


class Command(BaseCommand):
    help = "Repayment plans and promises. `nightly` is safe to run more than once a day."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("nightly", help="Judge due promises and break plans past grace.")
        run.add_argument("--as-of", help="The day to judge as of (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _day(options["as_of"]) if options["as_of"] else timezone.localdate()
        result = nightly(as_of)
        promises = result["promises"]
        self.stdout.write(
            f"promises kept {promises['kept']}, partly kept {promises['partly_kept']}, "
            f"broken {promises['broken']}; plans broken {len(result['broken_plans'])} "
            f"(as of {as_of})"
        )
