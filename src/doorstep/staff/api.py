"""Signing in for apps and integrations, and who the caller is."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from doorstep.core.api_errors import ApiInput, ErrorOut
from doorstep.core.errors import DomainError
from doorstep.signin import lockout
from doorstep.signin import services as two_factor
from doorstep.signin.policy import requires_two_factor
from doorstep.staff.models import StaffMember
from doorstep.staff.selectors import staff_for
from doorstep.staff.tokens import BearerTokenAuth, token_issue, token_revoke

auth_router = Router(tags=["auth"])
router = Router(tags=["staff"])


class InvalidCredentials(DomainError):
    status = 401


class LockedOut(DomainError):
    status = 429


class TokenRequest(ApiInput):
    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)
    otp: str | None = Field(
        None,
        max_length=16,
        description=(
            "The current code of the user's authenticator app (or a recovery code); required "
            "for every user who must sign in with two factors."
        ),
    )


class TokenOut(Schema):
    token: str


@auth_router.post("/token", auth=None, response={200: TokenOut, 429: ErrorOut})
def token_create(request: HttpRequest, payload: TokenRequest) -> dict[str, str]:
    """Exchange a staff member's username, password and (where two-factor sign-in applies) the
    authenticator's code (``otp``) for a bearer token.

    The token expires after 12 hours. Users without an active staff profile get none: there is
    nothing in the API for them. Repeated failures lock the account and the address out (429
    ``locked_out``), as on the sign-in page.
    """
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None and getattr(request, "axes_locked_out", False):
        raise LockedOut("locked_out", lockout.lockout_message())
    if user is None or staff_for(user) is None:
        raise InvalidCredentials("invalid_credentials", _("Wrong username or password."))
    if requires_two_factor(user):
        _check_otp(request, user, payload.otp)
    return {"token": token_issue(user=user)}


def _check_otp(request: HttpRequest, user: Any, otp: str | None) -> None:
    if not two_factor.has_device(user):
        raise InvalidCredentials(
            "two_factor_not_set_up",
            _("Set up two-factor sign-in in the browser first."),
            field="otp",
        )
    if not otp:
        raise InvalidCredentials(
            "otp_required", _("Enter the code from your authenticator app."), field="otp"
        )
    if lockout.locked_out(request, user.get_username()):
        raise LockedOut("locked_out", lockout.lockout_message())
    if two_factor.code_check(request=request, user=user, token=otp) is None:
        if getattr(request, "axes_locked_out", False):
            raise LockedOut("locked_out", lockout.lockout_message())
        raise InvalidCredentials(
            "otp_invalid", _("That code is not right, or it has expired."), field="otp"
        )


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
