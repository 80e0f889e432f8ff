"""Reads about the demo bank: is one loaded, and who can sign in to it."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from doorstep.cases.lifecycle import OPEN
from doorstep.core.views import DEMO_LOGINS
from doorstep.portfolio.models import Phone
from doorstep.staff.models import Branch, Role, StaffMember


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


def _where(staff: StaffMember) -> str:
    if staff.branch is not None:
        return staff.branch.name
    if staff.role == Role.AGENCY_USER:
        return str(_("Outside agency"))
    return str(_("Head office"))


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
            branch=_where(staff),
            password=settings.DEMO_PASSWORD,
        )
        for username in DEMO_LOGINS
        if (staff := found.get(username)) is not None
    ]


@dataclass(frozen=True)
class DemoDebtor:
    phone: str
    id_last4: str


def demo_debtor() -> DemoDebtor | None:
    """Demo data only: a made-up debtor with an open case, printed so a tester can try the
    self-service assistant's identity check. None when no customer has an open case."""
    phone = (
        Phone.objects.filter(customer__cases__status__in=sorted(OPEN), is_primary=True)
        .select_related("customer")
        .order_by("customer__external_id")
        .first()
    )
    if phone is None:
        return None
    return DemoDebtor(phone=phone.number, id_last4=phone.customer.national_id[-4:])
