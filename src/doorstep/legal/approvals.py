"""The approval kind legal owns: handing a case from collections to legal, decided by a
collections manager of the case's branch (the credit committee above ¥500,000)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from doorstep.oversight.registry import ApprovalKind, Route, register
from doorstep.staff.models import Role

COMMITTEE_FROM = Decimal("500000")


def register_kinds() -> None:
    from doorstep.legal import services

    register(
        ApprovalKind(
            code=services.HANDOFF_KIND,
            label=_("Hand a case to legal"),
            routes=(
                Route(committee="credit-committee", min_amount=COMMITTEE_FROM),
                Route(roles=frozenset({Role.COLLECTIONS_MANAGER.value}), same_branch=True),
            ),
            sla=timedelta(days=2),
            on_approve=services.handoff_approved,
            on_reject=services.handoff_rejected,
        )
    )
