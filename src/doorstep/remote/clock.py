"""The time remote work runs at: the one place the browser test sets the hour of day, since
the gate's answer (and so the queue) depends on it."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
