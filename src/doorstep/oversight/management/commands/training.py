"""`doorstep training seed-courses`: create the default courses a bank starts with."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from doorstep.oversight.training.services import courses_seed_defaults


class Command(BaseCommand):
    help = "Training maintenance. `seed-courses` adds the default courses that are missing."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seed-courses", help="Add the default mandatory courses.")

    def handle(self, *args: Any, **options: Any) -> None:
        made = courses_seed_defaults()
        listed = ", ".join(course.code for course in made) or "none"
        self.stdout.write(f"Added {len(made)} course(s): {listed}")
