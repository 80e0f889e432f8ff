"""`doorstep approvals escalate`: move overdue approval requests up a level."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from doorstep.oversight.services import approvals_escalate


class Command(BaseCommand):
    help = "Approval maintenance. `escalate` is the SLA timer, safe to run at any time."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("escalate", help="Escalate every overdue request one level.")

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = approvals_escalate()
        listed = ", ".join(f"#{pk}" for pk in escalated) or "none"
        self.stdout.write(f"Escalated {len(escalated)} overdue request(s): {listed}")
