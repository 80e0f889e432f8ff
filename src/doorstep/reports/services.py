"""Writes of the reports app: the daily pre-aggregation. Safe to run again for the same day."""

from __future__ import annotations

import time
from datetime import date

from django.db import transaction
from django.utils import timezone

from doorstep.reports.charts import Chart
from doorstep.reports.models import Fact, Run

BATCH = 5000


def chart_aggregate(*, chart: Chart, day: date) -> int:
    """Replace ``chart``'s facts for ``day`` with a fresh aggregation, in one transaction, so a
    reader sees either the old cells or the new ones, and a retried task just redoes the day."""
    started = time.perf_counter()
    with transaction.atomic():
        Fact.objects.filter(chart=chart.slug, day=day).delete()
        rows = 0
        batch: list[Fact] = []
        for row in chart.aggregate(day):
            batch.append(
                Fact(
                    day=day,
                    chart=chart.slug,
                    branch_id=row.branch_id,
                    team_id=row.team_id,
                    product=row.product,
                    key=row.key,
                    key2=row.key2,
                    count=row.count,
                    amount=row.amount,
                    amount2=row.amount2,
                )
            )
            if len(batch) >= BATCH:
                rows += len(Fact.objects.bulk_create(batch))
                batch = []
        rows += len(Fact.objects.bulk_create(batch))
        Run.objects.update_or_create(
            chart=chart.slug,
            day=day,
            defaults={
                "rows": rows,
                "seconds": round(time.perf_counter() - started, 3),
                "finished_at": timezone.now(),
            },
        )
    return rows
