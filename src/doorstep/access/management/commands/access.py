"""``doorstep access matrix [--write PATH]``: print the permission matrix as Markdown, or write it
into the generated block of ``docs/permissions.md``. ``doorstep access alerts``: run the volume
sweep now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.access.matrix import DOC_BEGIN, DOC_END, matrix_markdown


def with_matrix(document: str) -> str:
    """``document`` with its generated block replaced by the current matrix."""
    if DOC_BEGIN not in document or DOC_END not in document:
        raise ValueError("the document has no generated matrix block")
    head, rest = document.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    return head + matrix_markdown() + tail


class Command(BaseCommand):
    help = "The permission matrix and the access alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        matrix = commands.add_parser("matrix", help="Print or write the permission matrix.")
        matrix.add_argument("--write", metavar="PATH", help="Rewrite the block in this file.")
        commands.add_parser("alerts", help="Check reveal volume now.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["command"] == "alerts":
            from doorstep.access.services import alerts_check

            raised = alerts_check()
            self.stdout.write(f"{len(raised)} alert(s) raised")
            return
        if options["write"]:
            path = Path(options["write"])
            try:
                path.write_text(with_matrix(path.read_text(encoding="utf-8")), encoding="utf-8")
            except (OSError, ValueError) as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"wrote {path}")
            return
        self.stdout.write(matrix_markdown())
