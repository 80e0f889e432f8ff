"""Reads of the access log for compliance: reveals (``portfolio.PersonalDataAccess``) and exports
(``ExportRecord``) as one list, newest first, and the alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import CharField, F, IntegerField, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from doorstep.access.matrix import Action, Category
from doorstep.access.models import AccessAlert, ExportRecord
from doorstep.access.services import AccessDenied, access_authorise
from doorstep.portfolio.models import PersonalDataAccess

KINDS = ("reveal", "export")
# What each log row shows; both logs are annotated with these names in this order, so their
# union lines the columns up.
COLUMNS = (
    "kind",
    "at",
    "username",
    "customer_ref",
    "what",
    "reason",
    "remote_addr",
    "channel",
    "rows",
)


@dataclass(frozen=True)
class LogFilters:
    kind: str = ""
    username: str = ""
    customer: str = ""  # a customer's external id
    since: date | None = None
    until: date | None = None


def _bounds(filters: LogFilters) -> dict[str, datetime]:
    bounds = {}
    if filters.since is not None and filters.since > date.min:
        bounds["at__gte"] = timezone.make_aware(datetime.combine(filters.since, time.min))
    if filters.until is not None and filters.until < date.max:
        next_day = filters.until + timedelta(days=1)
        bounds["at__lt"] = timezone.make_aware(datetime.combine(next_day, time.min))
    return bounds


def access_log(*, user: Any, filters: LogFilters) -> QuerySet[Any]:
    """Reveals and exports matching ``filters``, newest first, as dicts of ``COLUMNS``; only
    for roles the matrix lets read the access log (403 otherwise)."""
    access_authorise(user=user, category=Category.ACCESS_LOG, action=Action.READ)
    bounds = _bounds(filters)
    reveals = PersonalDataAccess.objects.filter(**bounds)
    exports = ExportRecord.objects.filter(**bounds)
    if filters.username:
        reveals = reveals.filter(user__username=filters.username)
        exports = exports.filter(user__username=filters.username)
    if filters.customer:
        reveals = reveals.filter(customer__external_id=filters.customer)
        exports = exports.none()
    text = CharField()
    reveal_rows = (
        reveals.annotate(
            **_columns(
                kind=Value("reveal", output_field=text),
                at=F("at"),
                username=F("user__username"),
                customer_ref=F("customer__external_id"),
                what=Value("", output_field=text),
                reason=F("reason"),
                remote_addr=Cast("remote_addr", output_field=text),
                channel=F("channel"),
                rows=Value(1, output_field=IntegerField()),
            )
        )
        .values(*_NAMES)
        .order_by()
    )
    export_rows = (
        exports.annotate(
            **_columns(
                kind=Value("export", output_field=text),
                at=F("at"),
                username=F("user__username"),
                customer_ref=Value("", output_field=text),
                what=F("what"),
                reason=F("reason"),
                remote_addr=Cast("remote_addr", output_field=text),
                channel=F("channel"),
                rows=F("rows"),
            )
        )
        .values(*_NAMES)
        .order_by()
    )
    chosen: QuerySet[Any]
    if filters.kind == "reveal":
        chosen = reveal_rows
    elif filters.kind == "export":
        chosen = export_rows
    else:
        chosen = reveal_rows.union(export_rows, all=True)
    ordered: QuerySet[Any] = chosen.order_by("-log_at")
    return ordered


_NAMES = tuple(f"log_{name}" for name in COLUMNS)


def _columns(**expressions: Any) -> dict[str, Any]:
    return {f"log_{name}": expressions[name] for name in COLUMNS}


def log_entries(rows: Any) -> list[dict[str, Any]]:
    """The rows of ``access_log`` with their plain column names."""
    return [{name: row[f"log_{name}"] for name in COLUMNS} for row in rows]


def alert_list(*, user: Any, open_only: bool = False) -> QuerySet[AccessAlert]:
    access_authorise(user=user, category=Category.ACCESS_LOG, action=Action.READ)
    alerts = AccessAlert.objects.select_related("user", "acknowledged_by")
    if open_only:
        alerts = alerts.filter(acknowledged_at__isnull=True)
    return alerts


def may_acknowledge(*, user: Any) -> bool:
    try:
        access_authorise(user=user, category=Category.ACCESS_LOG, action=Action.EDIT)
    except AccessDenied:
        return False
    return True
