"""The nightly pre-aggregation. Each chart is its own task, so charts run on several workers
and a retry redoes only the chart that failed; each replaces its day's facts, so running twice
is safe."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from doorstep.reports.charts import CHARTS
from doorstep.reports.services import chart_aggregate


@shared_task(name="reports.aggregate_chart", acks_late=True)
def reports_aggregate_chart(slug: str, day: str) -> int:
    return chart_aggregate(chart=CHARTS[slug], day=date.fromisoformat(day))


@shared_task(name="reports.aggregate")
def reports_aggregate_all(day: str | None = None) -> list[str]:
    """Queue every chart for ``day`` (default: yesterday in the bank's time zone, whose events
    are complete once the night's case sync has run)."""
    chosen = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    for slug in CHARTS:
        reports_aggregate_chart.delay(slug, chosen.isoformat())
    return list(CHARTS)
