"""Signing in for apps and integrations, and who the caller is."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from doorstep.core.api_errors import ApiInput
from doorstep.core.errors import DomainError
from doorstep.staff.models import StaffMember
from doorstep.staff.selectors import staff_for
from doorstep.staff.tokens import BearerTokenAuth, token_issue, token_revoke

auth_router = Router(tags=["auth"])
router = Router(tags=["staff"])


class InvalidCredentials(DomainError):
    status = 401


class TokenRequest(ApiInput):
    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)
    otp: str | None = Field(
        None, max_length=16, description="Accepted and ignored until two-factor sign-in exists."
    )


class TokenOut(Schema):
    token: str


@auth_router.post("/token", auth=None, response=TokenOut)
def token_create(request: HttpRequest, payload: TokenRequest) -> dict[str, str]:
    """Exchange a staff member's username and password for a bearer token.

    The token expires after 12 hours. Users without an active staff profile get none: there is
    nothing in the API for them.
    """
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or staff_for(user) is None:
        raise InvalidCredentials("invalid_credentials", _("Wrong username or password."))
    return {"token": token_issue(user=user)}


@auth_router.delete("/token", auth=BearerTokenAuth(), response={204: None})
def token_delete(request: HttpRequest) -> Status[None]:
    """Revoke the bearer token this request was sent with."""
    token_revoke(token=request.bearer_token)  # type: ignore[attr-defined]
    return Status(204, None)


class BranchRef(Schema):
    id: int
    code: str
    name: str


class MeOut(Schema):
    id: int = Field(description="The staff member's id, as used by agent and staff filters.")
    username: str
    display_name: str
    role: str
    role_label: str
    branch: BranchRef | None
    team: str | None

    @staticmethod
    def resolve_username(staff: StaffMember) -> str:
        return staff.user.get_username()

    @staticmethod
    def resolve_role_label(staff: StaffMember) -> str:
        return str(staff.get_role_display())

    @staticmethod
    def resolve_team(staff: StaffMember) -> str | None:
        return staff.team.name if staff.team else None


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    """Who the request is signed in as: role and branch decide which cases the API shows."""
    return staff_for(request.user)
