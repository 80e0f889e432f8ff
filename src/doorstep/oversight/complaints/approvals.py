"""The approval kind complaints own: the second, head-office extension of a decision deadline
(to 60 days from receipt), decided by a head-office administrator."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from doorstep.oversight.complaints import services
from doorstep.oversight.registry import ApprovalKind, Route, register
from doorstep.staff.models import Role


def register_kinds() -> None:
    register(
        ApprovalKind(
            code=services.EXTENSION_KIND,
            label=_("Head-office extension of a complaint deadline"),
            routes=(Route(roles=frozenset({Role.HEAD_OFFICE_ADMIN.value})),),
            sla=timedelta(days=1),
            on_approve=services.extension_approved,
        )
    )
