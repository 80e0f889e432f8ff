"""Who may see and send credit-bureau files, record corrections and read certificates."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from doorstep.bureau.models import Certificate, Correction, ReportFile
from doorstep.cases.selectors import case_get
from doorstep.portfolio.models import Account
from doorstep.staff.models import Role
from doorstep.staff.selectors import staff_for

# The files carry full names and ID numbers (the bureau needs them): head office only.
FILE_ROLES = frozenset({Role.HEAD_OFFICE_ADMIN, Role.COMPLIANCE_OFFICER, Role.FINANCE_SPECIALIST})
CORRECTION_ROLES = frozenset(
    {Role.HEAD_OFFICE_ADMIN, Role.COMPLIANCE_OFFICER, Role.COMPLAINT_HANDLER}
)
PAGE_ROLES = FILE_ROLES | CORRECTION_ROLES


def _role(user: Any) -> Role | None:
    staff = staff_for(user)
    return None if staff is None else Role(staff.role)


def can(user: Any, roles: frozenset[Role]) -> bool:
    return _role(user) in roles


def require(user: Any, roles: frozenset[Role]) -> None:
    if not can(user, roles):
        raise PermissionDenied


def files(*, user: Any) -> QuerySet[ReportFile]:
    require(user, FILE_ROLES)
    return ReportFile.objects.defer("content").select_related("generated_by__staff")


def file_get(*, user: Any, pk: int) -> ReportFile:
    found = files(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return ReportFile.objects.get(pk=found.pk)


def corrections(*, user: Any) -> QuerySet[Correction]:
    require(user, PAGE_ROLES)
    return Correction.objects.select_related("account", "complaint", "included_in")


def certificate_get(*, user: Any, pk: int) -> Certificate:
    """A certificate, for whoever may see its case (404 otherwise)."""
    certificate = Certificate.objects.filter(pk=pk).first()
    if certificate is None:
        raise Http404
    case_get(user=user, pk=certificate.case_id)
    return certificate


def account_by_number(number: str) -> Account | None:
    """An account by its number, for a correction (the caller has checked the role)."""
    return Account.objects.filter(external_id=number).first()
