"""The kinds of approval, each registered once by the app that owns the change.

Adding a kind is one ``register`` call, usually in the owning app's ``AppConfig.ready``::

    register(ApprovalKind(
        code="plans.beyond_authority",
        label=gettext_lazy("Repayment plan beyond the agent's authority"),
        routes=(
            Route(committee="credit-committee", min_amount=Decimal("100000")),
            Route(roles=frozenset({Role.COLLECTIONS_MANAGER}), same_branch=True),
        ),
        sla=timedelta(hours=8),
        on_approve=plan_activate,
    ))

``routes`` are tried in order and the first whose thresholds the request meets decides who may
approve it; the last must have no thresholds, so every request has a route. ``escalation`` lists
the levels an overdue request climbs, one per SLA period (head-office administrators unless the
kind says otherwise). ``on_approve`` runs inside the transaction that records the deciding
vote, so the change and its approval commit together or not at all; ``on_reject`` likewise when
the request is rejected or withdrawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from doorstep.staff.models import Role

if TYPE_CHECKING:
    from doorstep.oversight.models import ApprovalRequest

Handler = Callable[["ApprovalRequest"], None]


@dataclass(frozen=True)
class Route:
    """Who may approve: staff with one of ``roles`` (of the request's branch only when
    ``same_branch``), or the members of the committee with code ``committee``. ``quorum``
    distinct approvals are needed (a committee's own quorum when it has one). A route applies
    to requests with at least ``min_amount`` / ``min_risk``, when given."""

    roles: frozenset[str] = frozenset()
    same_branch: bool = False
    committee: str = ""
    quorum: int = 1
    min_amount: Decimal | None = None
    min_risk: int | None = None

    def __post_init__(self) -> None:
        if bool(self.roles) == bool(self.committee):
            raise ValueError("a route names roles or a committee, not both or neither")
        if self.quorum < 1:
            raise ValueError("a quorum is at least 1")

    @property
    def has_threshold(self) -> bool:
        return self.min_amount is not None or self.min_risk is not None

    def applies(self, *, amount: Decimal | None, risk: int | None) -> bool:
        if self.min_amount is not None and (amount is None or amount < self.min_amount):
            return False
        return not (self.min_risk is not None and (risk is None or risk < self.min_risk))


HEAD_OFFICE = Route(roles=frozenset({Role.HEAD_OFFICE_ADMIN.value}))


@dataclass(frozen=True)
class ApprovalKind:
    code: str
    label: Any  # a lazily translated name
    routes: tuple[Route, ...]
    escalation: tuple[Route, ...] = (HEAD_OFFICE,)
    sla: timedelta = timedelta(days=1)
    on_approve: Handler | None = None
    on_reject: Handler | None = None
    # Shows the request's details on its page; gets ``approval`` and ``payload``.
    template: str = "oversight/_payload.html"

    def __post_init__(self) -> None:
        if not self.routes or self.routes[-1].has_threshold:
            raise ValueError(f"{self.code}: the last route must apply to every request")

    def route_for(self, *, amount: Decimal | None, risk: int | None) -> Route:
        return next(route for route in self.routes if route.applies(amount=amount, risk=risk))


_KINDS: dict[str, ApprovalKind] = {}


def register(kind: ApprovalKind) -> ApprovalKind:
    """Register ``kind``; registering the same code again replaces it (an app reloaded)."""
    _KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> ApprovalKind | None:
    return _KINDS.get(code)


def kinds() -> list[ApprovalKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.code)
