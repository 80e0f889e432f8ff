"""`doorstep compliance run-pack FILE.jsonl [--version V]` and `doorstep compliance
load-calendar FILE.json [--source TEXT]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstep.compliance import services
from doorstep.compliance.models import ParameterVersion
from doorstep.compliance.selectors import bank_profile, pack_runner, version_named
from doorstep.core.errors import DomainError


class Command(BaseCommand):
    help = "Compliance: run scenario packs, load the yearly holiday arrangement."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        pack = sub.add_parser(
            "run-pack",
            help="Run a JSONL scenario pack; one JSON line per scenario, then `N passed, M "
            "failed`; exit status 1 when anything failed.",
        )
        pack.add_argument("file", type=Path)
        pack.add_argument(
            "--version",
            action="append",
            default=[],
            help="Parameter version to run under instead of the one in force now: `3` (of the "
            "bank's profile) or `cn:3`; repeat for several profiles. Pending versions too.",
        )
        calendar = sub.add_parser(
            "load-calendar",
            help="Load a year's official arrangement (JSON object or list); in force at once.",
        )
        calendar.add_argument("file", type=Path)
        calendar.add_argument(
            "--source",
            default="",
            help="Where it comes from, e.g. the State Council notice (default: the file name).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "run-pack":
            self._run_pack(options["file"], options["version"])
        else:
            self._load_calendar(options["file"], options["source"])

    def _read(self, path: Path) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error

    def _run_pack(self, path: Path, specs: list[str]) -> None:
        versions: dict[str, ParameterVersion] = {}
        for spec in specs:
            version = version_named(spec, default_profile=bank_profile())
            if version is None:
                raise CommandError(f"No parameter version {spec!r}.")
            versions[version.profile] = version
        run = pack_runner(versions=versions)
        for line in run.outputs(self._read(path).splitlines()):
            self.stdout.write(line)
        if run.failed:
            raise SystemExit(1)

    def _load_calendar(self, path: Path, source: str) -> None:
        try:
            for arrangement in services.read_arrangements(self._read(path)):
                row = services.calendar_load(arrangement=arrangement, source=source or path.name)
                self.stdout.write(
                    f"{row.year}: {len(row.rest_days)} rest days, "
                    f"{len(row.makeup_workdays)} make-up workdays, in force"
                )
        except DomainError as error:
            raise CommandError(error.message) from error
