"""The approval kind visits own: a manager of the visit's branch approves a risky visit."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from doorstep.oversight.registry import ApprovalKind, Route, register
from doorstep.staff.models import Role
from doorstep.visits import services


def register_kinds() -> None:
    register(
        ApprovalKind(
            code=services.APPROVAL_KIND,
            label=_("High-risk field visit"),
            routes=(Route(roles=frozenset({Role.COLLECTIONS_MANAGER.value}), same_branch=True),),
            sla=timedelta(hours=8),
            on_approve=services.visit_approved,
        )
    )
