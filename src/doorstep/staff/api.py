from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from doorstep.core.errors import DomainError
from doorstep.staff.selectors import staff_for
from doorstep.staff.tokens import BearerTokenAuth, token_issue, token_revoke

auth_router = Router(tags=["auth"])
router = Router(tags=["staff"])


class TokenRequest(Schema):
    username: str
    password: str
    otp: str | None = None


class TokenOut(Schema):
    token: str


class InvalidCredentials(DomainError):
    status = 401


@auth_router.post("/token", auth=None, response={200: TokenOut})
def token_create(request: HttpRequest, payload: TokenRequest) -> dict[str, str]:
    """Exchange a username and password for a bearer token valid for 12 hours."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or staff_for(user) is None:
        raise InvalidCredentials("invalid_credentials", _("Wrong username or password."))
    return {"token": token_issue(user=user)}


@auth_router.delete("/token", auth=BearerTokenAuth(), response={204: None})
def token_delete(request: HttpRequest) -> tuple[int, None]:
    """Revoke the bearer token this request was sent with."""
    token_revoke(request.bearer_token)  # type: ignore[attr-defined]
    return 204, None


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    branch: str | None


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the request is signed in as."""
    staff = staff_for(request.user)
    if staff is None:
        raise DomainError("no_staff_profile", _("This user has no staff profile."))
    return {
        "username": request.user.get_username(),
        "display_name": staff.display_name,
        "role": staff.role,
        "role_label": staff.get_role_display(),
        "branch": staff.branch.code if staff.branch else None,
    }
