"""The pluggable ends of remote work: the dialer that places a call and the gateway that sends
SMS, e-mail and letters. ``settings.REMOTE_DIALER`` and ``settings.REMOTE_GATEWAY`` name a
class by dotted path; the defaults below are fakes that never leave the process, which is what
the tests and the demo use. A real integration implements the same two small protocols.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_DIALER = "doorstep.remote.channels.FakeDialer"
DEFAULT_GATEWAY = "doorstep.remote.channels.FakeGateway"


class Dialer(Protocol):
    def dial(self, *, call_id: int, number: str) -> str:
        """Place the call (or pop it on the agent's softphone); returns the dialer's reference."""
        ...


@dataclass(frozen=True)
class SendResult:
    status: str  # "delivered", "sent" (accepted, receipt to follow) or "failed"
    ref: str = ""
    error: str = ""


class Gateway(Protocol):
    def send(self, *, channel: str, to: str, subject: str, text: str, ref: str) -> SendResult:
        """Hand one message over; ``ref`` is ours, unique per message, for receipts."""
        ...


class FakeDialer:
    """Remembers what it was asked to dial; the reference is derived from the call id."""

    def __init__(self) -> None:
        self.dialled: list[tuple[int, str]] = []

    def dial(self, *, call_id: int, number: str) -> str:
        self.dialled.append((call_id, number))
        return f"fake-{call_id}"


class FakeGateway:
    """Delivers at once (or, with ``DELIVERS_AT_ONCE`` off, accepts and leaves the receipt to
    ``services.message_receipt``), except to destinations ending in ``9999``: refused, the
    convention the tests and the demo use to show failures."""

    FAILING_SUFFIX = "9999"
    DELIVERS_AT_ONCE = True

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, *, channel: str, to: str, subject: str, text: str, ref: str) -> SendResult:
        if to.endswith(self.FAILING_SUFFIX):
            return SendResult("failed", error="refused_by_gateway")
        self.sent.append((channel, to, ref))
        digest = hashlib.sha256(ref.encode()).hexdigest()[:16]
        return SendResult("delivered" if self.DELIVERS_AT_ONCE else "sent", ref=f"fake-{digest}")


@cache
def _load(path: str) -> object:
    return import_string(path)()


def dialer() -> Dialer:
    instance: Dialer = _load(getattr(settings, "REMOTE_DIALER", DEFAULT_DIALER))  # type: ignore[assignment]
    return instance


def gateway() -> Gateway:
    instance: Gateway = _load(getattr(settings, "REMOTE_GATEWAY", DEFAULT_GATEWAY))  # type: ignore[assignment]
    return instance
