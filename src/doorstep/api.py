"""The JSON API root: authentication, the one error body, and the routers of every app.

Every 4xx answers ``{"error": {"code", "message", "fields"}}`` so integrations parse one shape;
``core.middleware.ApiErrorBodyMiddleware`` covers the answers Django gives before Ninja runs
(unknown paths) and the ones Ninja gives without an exception (wrong method) or on a crash.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from doorstep.core.api_errors import (
    document_errors,
    error_body,
    fields_from_validation,
    status_error,
)
from doorstep.core.errors import DomainError
from doorstep.staff.tokens import BearerTokenAuth, SessionAuth


class DoorstepAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Ninja's schema, with the error body documented on every operation."""
        return document_errors(super().get_openapi_schema(**kwargs))


api = DoorstepAPI(
    title="Doorstep API",
    version="1",
    description=(
        "Doorstep's JSON API. Sign in with the browser session, or get a bearer token from "
        "`POST /api/v1/auth/token` and send it as `Authorization: Bearer …`. Lists are "
        '`{"count", "items"}` paginated with `?page=&page_size=`; every error answers '
        '`{"error": {"code", "message", "fields"}}`. See docs/api.md.'
    ),
    # Bearer first: a script that sends a token is never asked for a CSRF token.
    auth=[BearerTokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _reply(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return api.create_response(request, error_body(code, message, fields), status=status)


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _reply(
        request, 422, "invalid", _("Some fields are not valid."), fields_from_validation(exc.errors)
    )


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _reply(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _reply(request, 401, *status_error(401))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _reply(request, 404, *status_error(404))


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _reply(request, 403, *status_error(403))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja raises a bare 400 only when it cannot parse the body; its text is not translated.
    if exc.status_code == 400:
        return _reply(request, 400, "malformed_body", _("The request body is not valid JSON."))
    return _reply(request, exc.status_code, *status_error(exc.status_code))


api.add_router("/v1/auth", "doorstep.staff.api.auth_router")
api.add_router("/v1", "doorstep.staff.api.router")
api.add_router("/v1", "doorstep.cases.api.router")
api.add_router("/v1", "doorstep.portfolio.api.router")
api.add_router("/v1", "doorstep.oversight.api.router")
api.add_router("/v1", "doorstep.oversight.complaints.api.router")
api.add_router("/v1", "doorstep.oversight.audit.api.router")
api.add_router("/v1", "doorstep.oversight.training.api.router")
api.add_router("/v1", "doorstep.oversight.regulator.api.router")
api.add_router("/v1", "doorstep.reports.api.router")
api.add_router("/v1", "doorstep.compliance.api.router")
api.add_router("/v1", "doorstep.ledger.api.router")
api.add_router("/v1", "doorstep.visits.api.router")
api.add_router("/v1", "doorstep.assistant.api.router")
api.add_router("/v1", "doorstep.plans.api.router")
api.add_router("/v1", "doorstep.planning.api.router")
api.add_router("/v1", "doorstep.scoring.api.router")
api.add_router("/v1", "doorstep.remote.api.router")
api.add_router("/v1", "doorstep.legal.api.router")
api.add_router("/v1", "doorstep.bureau.api.router")
api.add_router("/v1", "doorstep.agencies.api.router")
api.add_router("/v1", "doorstep.access.api.router")
api.add_router("/v1", "doorstep.privacy.api.router")
