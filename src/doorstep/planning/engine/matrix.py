"""Travel matrices between places: metres and seconds, as integer numpy arrays.

The default provider needs no network: great-circle distance times a city circuity factor (a
street route is longer than the straight line; about 1.3-1.4 in Chinese cities), driven at a
configured urban speed. The OSRM provider asks an OSRM ``table`` service, for production; tests
never contact it.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_M = 6_371_008.8

LatLon = tuple[float, float]


@dataclass(frozen=True)
class TravelMatrix:
    metres: NDArray[np.int64]
    seconds: NDArray[np.int64]


class MatrixProvider(Protocol):
    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix: ...


def haversine_metres(points: Sequence[LatLon]) -> NDArray[np.float64]:
    """Great-circle distances between all pairs of (latitude, longitude) points."""
    rad = np.radians(np.asarray(points, dtype=np.float64).reshape(-1, 2))
    lat, lon = rad[:, 0], rad[:, 1]
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    result: NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


@dataclass(frozen=True)
class HaversineProvider:
    """Straight line × circuity at ``speed_kmh``; rounds up so travel is never underestimated."""

    circuity: float = 1.35
    speed_kmh: float = 25.0

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        road = haversine_metres(points) * self.circuity
        seconds = road / (self.speed_kmh / 3.6)
        return TravelMatrix(np.ceil(road).astype(np.int64), np.ceil(seconds).astype(np.int64))


class MatrixUnavailable(RuntimeError):
    """The routing service did not answer with a complete table."""


@dataclass(frozen=True)
class OsrmProvider:
    """An OSRM ``/table/v1/{profile}`` service (``base_url`` like ``http://osrm:5000``)."""

    base_url: str
    profile: str = "driving"
    timeout: float = 30.0

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        url = (
            f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coords}"
            "?annotations=distance,duration"
        )
        if not url.startswith(("http://", "https://")):
            raise MatrixUnavailable("the OSRM base URL must be http(s)")
        try:
            # Bandit B310 reviewed: the URL is checked to be http(s) just above
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
                body = json.load(response)
        except (OSError, ValueError) as exc:
            raise MatrixUnavailable(f"OSRM table request failed: {exc}") from exc
        if body.get("code") != "Ok":
            raise MatrixUnavailable(f"OSRM answered {body.get('code')!r}")
        metres = np.asarray(body["distances"], dtype=np.float64)
        seconds = np.asarray(body["durations"], dtype=np.float64)
        if np.isnan(metres).any() or np.isnan(seconds).any():
            raise MatrixUnavailable("OSRM could not route between some points")
        return TravelMatrix(np.ceil(metres).astype(np.int64), np.ceil(seconds).astype(np.int64))
