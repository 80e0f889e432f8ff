"""Writes of the access log: reveals and exports are recorded here after the matrix allows them,
and unusual volume raises an alert for compliance.

The one place that decides is ``matrix``; ``access_authorise`` is the one place that asks it for
a signed-in user.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.access.matrix import Action, Category, may
from doorstep.access.models import AccessAlert, ExportRecord
from doorstep.core.errors import ConflictError, DomainError
from doorstep.portfolio.models import Customer, PersonalDataAccess
from doorstep.staff.models import StaffMember
from doorstep.staff.selectors import staff_for

MIN_NOTE_LENGTH = 4


class AccessDenied(PermissionDenied):
    pass


class AlertNotFound(Http404):
    pass


def access_authorise(*, user: Any, category: Category, action: Action) -> StaffMember:
    """The staff member behind ``user`` if the matrix lets their role take ``action`` on
    ``category``; ``AccessDenied`` (HTTP 403) otherwise."""
    staff = staff_for(user)
    if staff is None or not may(staff.role, category, action):
        raise AccessDenied
    return staff


def reveal_record(
    *,
    user: Any,
    customer: Customer,
    fields: list[str],
    reason: str,
    remote_addr: str | None,
    channel: str,
    categories: Iterable[Category],
) -> PersonalDataAccess:
    """Log one read of ``customer``'s unmasked ``fields``, after the matrix allowed it, and
    check the reader's volume at once."""
    for category in categories:
        access_authorise(user=user, category=category, action=Action.REVEAL)
    access = PersonalDataAccess.objects.create(
        user=user,
        customer=customer,
        fields=fields,
        reason=reason[:200],
        remote_addr=remote_addr or None,
        channel=channel,
    )
    alert_check_user(user_id=user.pk, now=access.at)
    return access


def export_record(
    *,
    user: Any,
    category: Category,
    what: str,
    filters: dict[str, Any],
    rows: int,
    remote_addr: str | None,
    channel: str,
    reason: str = "",
) -> ExportRecord:
    """Check the matrix for an export of ``category`` and log it; raises ``AccessDenied``."""
    staff = access_authorise(user=user, category=category, action=Action.EXPORT)
    return ExportRecord.objects.create(
        user=user,
        role=staff.role,
        category=category.value,
        what=what[:200],
        filters={key: str(value) for key, value in filters.items()},
        rows=rows,
        reason=reason[:200],
        remote_addr=remote_addr or None,
        channel=channel,
    )


def _window() -> timedelta:
    return timedelta(minutes=settings.ACCESS_ALERT_WINDOW_MINUTES)


def alert_check_user(*, user_id: int, now: datetime | None = None) -> AccessAlert | None:
    """Raise an alert if ``user_id`` revealed at least the threshold of distinct customers in
    the window ending ``now``: once per window (no new alert while one covers ``now``)."""
    now = now or timezone.now()
    start = now - _window()
    threshold = settings.ACCESS_ALERT_CUSTOMERS
    customers = (
        PersonalDataAccess.objects.filter(user_id=user_id, at__gt=start, at__lte=now)
        .values("customer_id")
        .distinct()
        .count()
    )
    if customers < threshold:
        return None
    if AccessAlert.objects.filter(user_id=user_id, window_end__gt=start).exists():
        return None
    return AccessAlert.objects.create(
        user_id=user_id,
        window_start=start,
        window_end=now,
        customers=customers,
        threshold=threshold,
    )


def alerts_check(*, now: datetime | None = None) -> list[AccessAlert]:
    """Every reader over the threshold in the window ending ``now`` (the periodic sweep, which
    also catches reveals logged by a path that skipped the immediate check)."""
    now = now or timezone.now()
    readers = (
        PersonalDataAccess.objects.filter(at__gt=now - _window(), at__lte=now)
        .values("user_id")
        .annotate(customers=Count("customer_id", distinct=True))
        .filter(customers__gte=settings.ACCESS_ALERT_CUSTOMERS)
        .values_list("user_id", flat=True)
    )
    raised = []
    for user_id in sorted(readers):
        alert = alert_check_user(user_id=user_id, now=now)
        if alert is not None:
            raised.append(alert)
    return raised


@transaction.atomic
def alert_acknowledge(*, alert_id: int, actor: Any, note: str) -> AccessAlert:
    """Compliance looked into an alert: who, when and what they found. Once."""
    access_authorise(user=actor, category=Category.ACCESS_LOG, action=Action.EDIT)
    alert = AccessAlert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise AlertNotFound
    note = note.strip()
    if len(note) < MIN_NOTE_LENGTH:
        raise DomainError(
            "note_required",
            _("Say what you found (at least %(n)d characters).") % {"n": MIN_NOTE_LENGTH},
            field="note",
        )
    if not alert.is_open:
        raise ConflictError("already_acknowledged", _("This alert is already acknowledged."))
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    alert.note = note[:2000]
    alert.save(update_fields=["acknowledged_by", "acknowledged_at", "note"])
    return alert
