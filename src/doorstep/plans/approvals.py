"""The approval kinds plans own: a policy change (head office), and offers beyond the offering
person's authority, routed to a manager of the case's branch or to the credit committee."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from doorstep.oversight.registry import ApprovalKind, Route, register
from doorstep.plans import services
from doorstep.plans.policy import Level
from doorstep.staff.models import Role


def register_kinds() -> None:
    register(
        ApprovalKind(
            code=services.POLICY_KIND,
            label=_("Repayment policy change"),
            routes=(Route(roles=frozenset({Role.HEAD_OFFICE_ADMIN.value})),),
            sla=timedelta(days=2),
            on_approve=services.policy_approved,
            on_reject=services.policy_rejected,
        )
    )
    register(
        ApprovalKind(
            code=services.OFFER_KINDS[Level.MANAGER],
            label=_("Repayment plan beyond the agent's authority"),
            routes=(Route(roles=frozenset({Role.COLLECTIONS_MANAGER.value}), same_branch=True),),
            sla=timedelta(hours=8),
            on_approve=services.offer_approved,
            on_reject=services.offer_rejected,
        )
    )
    register(
        ApprovalKind(
            code=services.OFFER_KINDS[Level.COMMITTEE],
            label=_("Repayment plan beyond a manager's authority"),
            routes=(Route(committee=services.COMMITTEE),),
            sla=timedelta(days=1),
            on_approve=services.offer_approved,
            on_reject=services.offer_rejected,
        )
    )
