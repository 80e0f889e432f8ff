"""The approval kinds compliance owns: parameter changes, calendar loads, and overrides of the
gate's decisions. Each is routed to compliance officers (calendars also to head-office
administrators), escalates to head-office administrators when overdue, and runs its handler in
the transaction that approves it."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from doorstep.compliance import services
from doorstep.oversight.registry import ApprovalKind, Route, register
from doorstep.staff.models import Role

COMPLIANCE_OFFICERS = Route(roles=frozenset({Role.COMPLIANCE_OFFICER.value}))


def register_kinds() -> None:
    register(
        ApprovalKind(
            code=services.PARAMETERS_KIND,
            label=_("Compliance parameter change"),
            routes=(COMPLIANCE_OFFICERS,),
            sla=timedelta(days=2),
            on_approve=services.parameters_approved,
            on_reject=services.parameters_rejected,
            template="compliance/approvals/_parameters.html",
        )
    )
    register(
        ApprovalKind(
            code=services.CALENDAR_KIND,
            label=_("Holiday arrangement"),
            routes=(
                Route(
                    roles=frozenset({Role.COMPLIANCE_OFFICER.value, Role.HEAD_OFFICE_ADMIN.value})
                ),
            ),
            sla=timedelta(days=2),
            on_approve=services.calendar_approved,
            on_reject=services.calendar_rejected,
            template="compliance/approvals/_calendar.html",
        )
    )
    register(
        ApprovalKind(
            code=services.OVERRIDE_KIND,
            label=_("Override of a compliance decision"),
            routes=(COMPLIANCE_OFFICERS,),
            sla=timedelta(hours=4),
            on_approve=services.override_approved,
            template="compliance/approvals/_override.html",
        )
    )
