"""The legal matter lifecycle: every allowed status change, in one table (no Django).

A matter is proposed by collections and needs an approval before anything is filed; once
filed, the proceedings run until they end (a judgment, an award, an effective payment order or
a mediation agreement, or a withdrawal); enforcement (执行) may follow; the matter closes.
"""

from __future__ import annotations

from enum import StrEnum

from doorstep.core.i18n import gettext_noop


class MatterKind(StrEnum):
    PAYMENT_ORDER = "payment_order"  # 支付令 (民事诉讼法 督促程序)
    SUIT = "suit"  # 起诉
    MEDIATION = "mediation"  # 调解
    ARBITRATION = "arbitration"  # 仲裁


class MatterStatus(StrEnum):
    PROPOSED = "proposed"  # waiting for the hand-off approval
    REJECTED = "rejected"  # the approval was refused or withdrawn
    PREPARING = "preparing"  # approved: the case is with legal, nothing filed yet
    FILED = "filed"  # proceedings pending
    DECIDED = "decided"  # proceedings ended (judgment, award, order, agreement, withdrawal)
    ENFORCEMENT = "enforcement"  # 执行 applied for
    CLOSED = "closed"


M = MatterStatus
TRANSITIONS: frozenset[tuple[MatterStatus, MatterStatus]] = frozenset(
    {
        (M.PROPOSED, M.PREPARING),
        (M.PROPOSED, M.REJECTED),
        (M.PREPARING, M.FILED),
        (M.PREPARING, M.CLOSED),  # dropped before filing
        (M.FILED, M.DECIDED),
        (M.DECIDED, M.ENFORCEMENT),
        (M.DECIDED, M.CLOSED),
        (M.ENFORCEMENT, M.CLOSED),
    }
)
OPEN = frozenset({M.PROPOSED, M.PREPARING, M.FILED, M.DECIDED, M.ENFORCEMENT})

NOT_ALLOWED = gettext_noop("A legal matter cannot move from %(current)s to %(target)s.")


def allowed(current: MatterStatus, target: MatterStatus) -> bool:
    return (current, target) in TRANSITIONS
