"""The approval kind scoring owns: promoting a model version to champion.

Model risk management wants the person who trained a model not to be the one who puts it in
charge of the worklist; head-office administrators decide (oversight refuses anyone deciding
their own request), and the switch happens in the approving transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from doorstep.oversight.registry import ApprovalKind, Route, register
from doorstep.scoring import services
from doorstep.staff.models import Role


def register_kinds() -> None:
    register(
        ApprovalKind(
            code=services.PROMOTE_KIND,
            label=_("Scoring model promotion to champion"),
            routes=(Route(roles=frozenset({Role.HEAD_OFFICE_ADMIN.value})),),
            sla=timedelta(days=2),
            on_approve=services.model_promotion_approved,
        )
    )
