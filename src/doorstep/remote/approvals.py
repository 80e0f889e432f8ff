"""The approval kinds remote work owns: a message template version, approved by a compliance
officer before any campaign may send it; contact with a vulnerable debtor whose flag needs it,
approved by a collections manager of the case's branch. The maker never approves their own."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from doorstep.oversight.registry import ApprovalKind, Route, register
from doorstep.remote import services
from doorstep.staff.models import Role


def register_kinds() -> None:
    register(
        ApprovalKind(
            code=services.TEMPLATE_KIND,
            label=_("Message template version"),
            routes=(Route(roles=frozenset({Role.COMPLIANCE_OFFICER.value})),),
            sla=timedelta(days=2),
            on_approve=services.template_version_approved,
            on_reject=services.template_version_rejected,
        )
    )
    register(
        ApprovalKind(
            code=services.VULNERABLE_CONTACT_KIND,
            label=_("Contact with a vulnerable debtor"),
            routes=(Route(roles=frozenset({Role.COLLECTIONS_MANAGER.value}), same_branch=True),),
            sla=timedelta(hours=8),
            on_approve=services.vulnerable_contact_approved,
        )
    )
