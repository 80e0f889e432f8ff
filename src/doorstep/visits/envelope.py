"""The compliance envelope of a visit and the checks the field app and the server both make.

The envelope is computed when the visit is scheduled (the gate's decision for its date and
window) and travels with the day's data to the phone, so a check-in can be judged with no
network. Pure (no Django): the same checks run on sync, and ``static/visits/field/envelope.js``
mirrors ``check_moment`` and ``distance_m`` for the device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

WINDOW_RULE = "CN-VISIT-01"  # the bank's visit hours; the visit's own window lies inside them
FAR_METRES = 300  # a check-in farther than this from the address needs a reason
EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Envelope:
    on: date
    start: time
    end: time
    zone: str
    allowed: bool  # the gate allowed (or warned about) the visit when it was scheduled
    rules: tuple[str, ...]  # the rules that fired then
    decision: int | None
    latitude: Decimal | None
    longitude: Decimal | None

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.on.isoformat(),
            "window": [f"{self.start:%H:%M}", f"{self.end:%H:%M}"],
            "window_rule": WINDOW_RULE,
            "timezone": self.zone,
            "allowed": self.allowed,
            "rules": list(self.rules),
            "decision": self.decision,
            "latitude": None if self.latitude is None else str(self.latitude),
            "longitude": None if self.longitude is None else str(self.longitude),
            "far_metres": FAR_METRES,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Envelope:
        start, end = data["window"]
        return cls(
            on=date.fromisoformat(data["date"]),
            start=time.fromisoformat(start),
            end=time.fromisoformat(end),
            zone=data["timezone"],
            allowed=bool(data["allowed"]),
            rules=tuple(data["rules"]),
            decision=data.get("decision"),
            latitude=None if data.get("latitude") is None else Decimal(data["latitude"]),
            longitude=None if data.get("longitude") is None else Decimal(data["longitude"]),
        )


def narrowest(*windows: tuple[time, time]) -> tuple[time, time]:
    """The part of the day inside every window (start included, end excluded)."""
    start = max(window[0] for window in windows)
    end = min(window[1] for window in windows)
    return (start, max(start, end))


def check_moment(envelope: Envelope, moment: datetime) -> list[str]:
    """The rule ids a contact at ``moment`` breaks under ``envelope``: the rules the gate fired
    when it refused the visit, or the window rule when the local day or time is outside."""
    broken = [] if envelope.allowed else list(envelope.rules)
    local = moment.astimezone(ZoneInfo(envelope.zone))
    inside = local.date() == envelope.on and envelope.start <= local.time() < envelope.end
    if not inside and WINDOW_RULE not in broken:
        broken.append(WINDOW_RULE)
    return broken


def distance_m(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> int:
    """Great-circle distance in whole metres (haversine; ample for a doorstep)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))
