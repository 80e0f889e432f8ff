"""Gives every error under ``/api/`` the API's error body, whoever produced it.

Ninja's handlers shape the errors raised inside an operation. Some answers never reach Ninja or
leave it as something else: an unknown path (Django's 404 page), a wrong method (Ninja's bare
405), a crash (Django's 500 page, or Ninja's traceback in DEBUG). An integration should not have
to parse HTML, and a crash must not show its insides, so this rewrites them. Outside ``/api/``
the HTML pages stay as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

from doorstep.core.api_errors import error_body, status_error

API_PREFIX = "/api/"

# Headers of the original answer that still mean something to the client.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary", "Content-Language")


def _has_error_body(response: HttpResponseBase) -> bool:
    if not isinstance(response, HttpResponse):  # streamed: nothing to inspect or rewrite
        return False
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


class ApiErrorBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(API_PREFIX)
            or _has_error_body(response)
        ):
            return response
        code, message = status_error(response.status_code)
        replacement = JsonResponse(error_body(code, message), status=response.status_code)
        for header in _KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        return replacement
