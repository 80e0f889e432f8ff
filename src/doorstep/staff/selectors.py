"""Reads about staff: who is signed in, and who works where."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from doorstep.staff.models import Branch, Role, StaffMember, Team

FIELD_ROLES = frozenset({Role.FIELD_AGENT, Role.PHONE_AGENT})
BRANCH_ROLES = frozenset({Role.COLLECTIONS_MANAGER, Role.BRANCH_ADMIN})
READ_ONLY_ROLES = frozenset({Role.COMPLIANCE_OFFICER, Role.INTERNAL_AUDITOR})
ALL_BRANCH_ROLES = READ_ONLY_ROLES | {Role.HEAD_OFFICE_ADMIN}


def staff_for(user: Any) -> StaffMember | None:
    """The active staff record behind a signed-in user, or None (anonymous, no profile)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached: StaffMember | None = getattr(user, "_doorstep_staff", None)
    if cached is None:
        cached = (
            StaffMember.objects.select_related("branch", "team")
            .filter(user=user, is_active=True)
            .first()
        )
        user._doorstep_staff = cached
    return cached


def branch_list() -> QuerySet[Branch]:
    return Branch.objects.order_by("code")


def assignable_agents(*, branch: Branch) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(
        branch=branch, is_active=True, role__in=sorted(FIELD_ROLES)
    ).select_related("team", "user")


def team_list(*, branch: Branch) -> QuerySet[Team]:
    return Team.objects.filter(branch=branch)
