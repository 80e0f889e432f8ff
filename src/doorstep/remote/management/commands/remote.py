"""`doorstep remote allocate`: simulate (default) or apply the allocation rules;
`doorstep remote campaigns`: send the scheduled campaigns that are due."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from doorstep.remote.services import allocation_run
from doorstep.remote.tasks import remote_send_due_campaigns
from doorstep.staff.models import Branch


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of must be a date like 2026-06-30, not {value!r}") from exc


class Command(BaseCommand):
    help = "Remote collection: allocation of cases to agents, and due campaigns."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        allocate = sub.add_parser(
            "allocate", help="Show what the allocation rules would move; --apply moves it."
        )
        allocate.add_argument("--as-of", help="Day to judge progress on (default: today).")
        allocate.add_argument("--branch", help="Only this branch code.")
        allocate.add_argument("--apply", action="store_true", help="Make the moves.")
        sub.add_parser("campaigns", help="Send the scheduled campaigns that are due.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "campaigns":
            sent = remote_send_due_campaigns()
            self.stdout.write(f"sent {len(sent)} campaign(s)")
            return
        as_of = _day(options["as_of"]) if options["as_of"] else timezone.localdate()
        branches = Branch.objects.order_by("code")
        if options["branch"]:
            branches = branches.filter(code=options["branch"])
            if not branches.exists():
                raise CommandError(f"No branch with code {options['branch']!r}.")
        for branch in branches:
            run = allocation_run(actor=None, as_of=as_of, apply=options["apply"], branch=branch)
            mode = "applied" if options["apply"] else "simulated"
            self.stdout.write(
                f"{branch.code}: {mode}, {run.moved} to move, {run.no_capacity} without capacity"
                f" (run #{run.pk}, as of {as_of})"
            )
