"""`doorstep reports aggregate [--date D] [--chart SLUG]`: the dashboards' daily pre-aggregation."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from doorstep.reports.charts import CHARTS
from doorstep.reports.services import chart_aggregate


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be a date like 2026-06-30, not {value!r}") from exc


class Command(BaseCommand):
    help = "Dashboards. `aggregate` pre-aggregates a day; safe to run again for the same day."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        aggregate = sub.add_parser("aggregate", help="Aggregate every chart for a day.")
        aggregate.add_argument("--date", help="The day to aggregate (default: today).")
        aggregate.add_argument(
            "--chart", action="append", help=f"Only this chart (from: {', '.join(CHARTS)})."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = _day(options["date"]) if options["date"] else timezone.localdate()
        chosen = options["chart"] or list(CHARTS)
        unknown = sorted(set(chosen) - set(CHARTS))
        if unknown:
            raise CommandError(f"No such chart: {', '.join(unknown)}.")
        for slug in chosen:
            started = time.perf_counter()
            rows = chart_aggregate(chart=CHARTS[slug], day=day)
            self.stdout.write(
                f"{slug}: {rows} rows for {day} in {time.perf_counter() - started:.2f}s"
            )
