"""Finding a branch or a staff member by the public code an API caller or a form quotes; a
wrong one is a 400 naming the field (not a 404: the thing asked about exists, the value in
the body is what is wrong)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.staff.models import Branch, StaffMember


def branch_by_code(code: str, *, field: str = "branch") -> Branch:
    branch = Branch.objects.filter(code=code.strip()).first()
    if branch is None:
        raise DomainError(
            "unknown_branch", _("No branch has the code “%(code)s”.") % {"code": code}, field=field
        )
    return branch


def staff_by_number(number: str, *, field: str) -> StaffMember:
    staff = StaffMember.objects.filter(employee_number=number.strip()).first()
    if staff is None:
        raise DomainError(
            "unknown_staff",
            _("No staff member has the employee number “%(number)s”.") % {"number": number},
            field=field,
        )
    return staff
