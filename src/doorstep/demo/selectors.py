"""Reads about the demo bank: is one loaded, and who can sign in to it."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from doorstep.demo.staffing import DEMO_LOGINS
from doorstep.staff.models import Branch, StaffMember


def bank_exists() -> bool:
    """Whether the database already holds a bank (the demo's or a real one): any branch."""
    return Branch.objects.exists()


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    role: str
    branch: str
    password: str


def demo_logins() -> list[DemoLogin]:
    """The fixed demo logins that exist in this database, in the order the README lists them."""
    found = {
        s.user.username: s
        for s in StaffMember.objects.select_related("user", "branch").filter(
            user__username__in=DEMO_LOGINS
        )
    }
    return [
        DemoLogin(
            username=username,
            display_name=staff.display_name,
            role=str(staff.get_role_display()),
            branch=staff.branch.name if staff.branch else _("Head office"),
            password=settings.DEMO_PASSWORD,
        )
        for username in DEMO_LOGINS
        if (staff := found.get(username)) is not None
    ]
