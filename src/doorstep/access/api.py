"""The access log and its alerts for compliance, as JSON: ``GET /api/v1/access/log``,
``GET /api/v1/access/alerts``, ``POST /api/v1/access/alerts/{alert_id}/acknowledge``.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from doorstep.access.selectors import LogFilters, access_log, alert_list, log_entries
from doorstep.access.services import alert_acknowledge
from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination, ErrorOut

router = Router(tags=["access"])


class LogQuery(ApiInput):
    kind: Literal["", "reveal", "export"] = ""
    username: str = Field("", max_length=150)
    customer: str = Field("", max_length=40, description="A customer number (not an ID number).")
    since: date | None = None
    until: date | None = None


class LogOut(Schema):
    kind: Literal["reveal", "export"]
    at: datetime
    username: str
    customer_ref: str
    what: str
    reason: str
    remote_addr: str | None
    channel: str
    rows: int


class _Rows:
    """A page of the access log's union, turned into dicts when Ninja slices it."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return int(self.rows.count())

    def count(self) -> int:
        return int(self.rows.count())

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return log_entries(self.rows[item])


@router.get("/access/log", response=list[LogOut])
@paginate(BoundedPageNumberPagination)
def access_log_list(request: HttpRequest, filters: Query[LogQuery]) -> Any:
    """Reveals and exports, newest first; compliance and audit only."""
    chosen = LogFilters(
        kind=filters.kind,
        username=filters.username.strip(),
        customer=filters.customer.strip(),
        since=filters.since,
        until=filters.until,
    )
    return _Rows(access_log(user=request.user, filters=chosen))


class AlertOut(Schema):
    id: int
    username: str
    window_start: datetime
    window_end: datetime
    customers: int
    threshold: int
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    note: str


def _alert(alert: Any) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "username": alert.user.username,
        "window_start": alert.window_start,
        "window_end": alert.window_end,
        "customers": alert.customers,
        "threshold": alert.threshold,
        "raised_at": alert.raised_at,
        "acknowledged_by": alert.acknowledged_by.username if alert.acknowledged_by else None,
        "acknowledged_at": alert.acknowledged_at,
        "note": alert.note,
    }


class AlertQuery(ApiInput):
    open: bool = False


@router.get("/access/alerts", response=list[AlertOut])
@paginate(BoundedPageNumberPagination)
def access_alerts(request: HttpRequest, filters: Query[AlertQuery]) -> list[dict[str, Any]]:
    """Volume alerts, newest first; ``?open=true`` for those not yet acknowledged."""
    return [_alert(alert) for alert in alert_list(user=request.user, open_only=filters.open)]


class AcknowledgeIn(ApiInput):
    note: str = Field(max_length=2000, description="What you found.")


AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/access/alerts/{alert_id}/acknowledge", response={200: AlertOut, 409: ErrorOut})
def access_alert_acknowledge(
    request: HttpRequest, alert_id: AlertId, payload: AcknowledgeIn
) -> dict[str, Any]:
    """Close an alert with a note; compliance officers only, once."""
    return _alert(alert_acknowledge(alert_id=alert_id, actor=request.user, note=payload.note))
