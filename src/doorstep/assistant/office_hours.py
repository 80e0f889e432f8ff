"""When a person answers: office hours and the promised response time of a hand-off. Pure.

The phone team works 09:00–18:00 on workdays (make-up workdays included, public-holiday rest
days excluded, as the compliance calendar says). A hand-off is answered within
``RESPONSE_HOURS`` office hours: asked at 17:00, the answer is due at 10:00 the next workday.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

OPENS = time(9, 0)
CLOSES = time(18, 0)
RESPONSE_HOURS = 2


def respond_by(
    now: datetime, is_rest_day: Callable[[date], bool], hours: int = RESPONSE_HOURS
) -> datetime:
    """``now`` (aware, local) plus ``hours`` of office time."""
    left = timedelta(hours=hours)
    moment = now
    while True:
        day = moment.date()
        opens = moment.replace(hour=OPENS.hour, minute=OPENS.minute, second=0, microsecond=0)
        closes = moment.replace(hour=CLOSES.hour, minute=CLOSES.minute, second=0, microsecond=0)
        if is_rest_day(day) or moment >= closes:
            moment = opens + timedelta(days=1)
            continue
        moment = max(moment, opens)
        if moment + left <= closes:
            return moment + left
        left -= closes - moment
        moment = opens + timedelta(days=1)


def in_office_hours(now: datetime, is_rest_day: Callable[[date], bool]) -> bool:
    return not is_rest_day(now.date()) and OPENS <= now.time() < CLOSES
