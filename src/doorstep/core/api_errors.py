"""The API's one error body, shared by Ninja's exception handlers and the middleware.

Integrations parse a single shape for every 4xx and 5xx::

    {"error": {"code": "invalid", "message": "…", "fields": {"page": ["…"]}}}

``code`` is stable and meant for programs; ``message`` and the field problems are translated
for people, in the language of the request.

Also here, because they exist to keep bad input a 422 rather than a 500: ``ApiInput``, the base
of request schemas, and ``BoundedPageNumberPagination``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import field_validator
from pydantic_core import PydanticCustomError

NON_FIELD = "__all__"

# What a bare HTTP status means to a client, for responses that carry no more detail (an unknown
# path, a wrong method, a crash). Anything not listed gets the generic code ``http_<status>``.
STATUS_ERRORS: dict[int, tuple[str, Promise]] = {
    400: ("bad_request", _("The request could not be read.")),
    401: ("not_authenticated", _("Sign in or send a valid bearer token.")),
    403: ("forbidden", _("Your role may not do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This address does not accept that method.")),
    413: ("too_large", _("The request is too large.")),
    415: ("unsupported_media_type", _("Send the request body as JSON.")),
    429: ("too_many_requests", _("Too many requests; try again later.")),
    500: ("server_error", _("Something went wrong on our side. It has been logged.")),
    502: ("unavailable", _("The service is unavailable; try again later.")),
    503: ("unavailable", _("The service is unavailable; try again later.")),
    504: ("unavailable", _("The service is unavailable; try again later.")),
}

# Pydantic's problems in the client's language. Only the common ones: anything else keeps
# pydantic's English text, which is still precise.
_PROBLEMS: dict[str, Promise] = {
    "missing": _("This field is required."),
    "enum": _("Choose one of: %(expected)s."),
    "literal_error": _("Choose one of: %(expected)s."),
    "int_parsing": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "decimal_parsing": _("Enter a number."),
    "decimal_type": _("Enter a number."),
    "float_parsing": _("Enter a number."),
    "float_type": _("Enter a number."),
    "finite_number": _("Enter a number."),
    "decimal_max_places": _("Use at most %(decimal_places)s decimal places."),
    "decimal_max_digits": _("Use at most %(max_digits)s digits."),
    "decimal_whole_digits": _("Use at most %(whole_digits)s digits before the decimal point."),
    "greater_than_equal": _("Enter a value of at least %(ge)s."),
    "greater_than": _("Enter a value greater than %(gt)s."),
    "less_than_equal": _("Enter a value of at most %(le)s."),
    "less_than": _("Enter a value less than %(lt)s."),
    "string_type": _("Enter text."),
    "string_too_short": _("Use at least %(min_length)s characters."),
    "string_too_long": _("Use at most %(max_length)s characters."),
    "bool_parsing": _("Enter true or false."),
    "bool_type": _("Enter true or false."),
    "date_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_type": _("Enter a date as YYYY-MM-DD."),
    "list_type": _("Send a list."),
    "dict_type": _("Send an object."),
    "model_type": _("Send an object."),
    "model_attributes_type": _("Send an object."),
    "json_invalid": _("The request body is not valid JSON."),
    "string_nul": _("Text may not contain NUL characters."),
}


MAX_UTC_OFFSET = timedelta(hours=14)  # real offsets run from -12:00 to +14:00 (Kiribati)


class ApiInput(Schema):
    """Base of every request schema: refuses NUL characters in any text, and times whose
    offset from UTC no place has.

    PostgreSQL cannot store a NUL (nor compare against one), nor an offset beyond ±15:59 that
    Python accepts (up to ±23:59), so either would be a 500 instead of a 422 naming the field.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in items):
            raise PydanticCustomError("string_nul", "Text may not contain NUL characters")
        for moment in items:
            offset = moment.utcoffset() if isinstance(moment, datetime) else None
            if offset is not None and not -MAX_UTC_OFFSET <= offset <= MAX_UTC_OFFSET:
                raise PydanticCustomError(
                    "offset_range", str(_("Give an offset from UTC between -14:00 and +14:00."))
                )
        return value


class BoundedPageNumberPagination(PageNumberPagination):
    """Ninja's page numbers, with a ceiling: a huge ``page`` becomes an offset no database can
    take, so it must be a 422 naming ``page`` rather than a 500."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, description="At most 200; larger is capped.")


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    """The error body, for the OpenAPI schema."""

    error: ErrorDetail


# The errors any operation may answer, added to every operation of the OpenAPI schema so clients
# (and the schema fuzzer) know them without each endpoint repeating them.
DOCUMENTED_ERRORS = {
    400: "The request is well formed but cannot be done as asked (see `error.code`).",
    401: "Not signed in, or the bearer token is unknown, expired or revoked.",
    403: "Your role may not do this, or the CSRF token is missing.",
    404: "Nothing there for you: unknown, or outside your scope.",
    422: "A field does not parse; `error.fields` names it.",
}


def document_errors(schema: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Add the error body and the error statuses to every operation of an OpenAPI ``schema``."""
    ref_template = "#/components/schemas/{model}"
    body = ErrorOut.model_json_schema(ref_template=ref_template)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(body.pop("$defs", {}))
    components["ErrorOut"] = body
    content = {"application/json": {"schema": {"$ref": ref_template.format(model="ErrorOut")}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in DOCUMENTED_ERRORS.items():
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": description, "content": content}
    return schema


def error_body(
    code: str, message: str, fields: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "fields": dict(fields or {})}}


def status_error(status: int) -> tuple[str, str]:
    """The code and translated message for a response that says nothing but its status."""
    known = STATUS_ERRORS.get(status)
    if known is not None:
        return known[0], str(known[1])
    return f"http_{status}", gettext("The request failed (HTTP %(status)d).") % {"status": status}


def field_name(location: Iterable[Any]) -> str:
    """The name the client used for the field at Ninja's error ``loc``.

    Ninja reports ``(source, argument, field, …)`` — e.g. ``("query", "filters", "bucket", 0)``
    or ``("body", "payload", "username")`` — where the argument is our view's parameter name,
    which no client ever sees. A simple parameter (``("path", "case_id")``) is its own name; a
    body that is missing or not an object belongs to no field. Positions in a list are dropped:
    the client sent ``?bucket=M1&bucket=X``, and the problem is with ``bucket``.
    """
    parts = list(location)
    source, names = (parts[0], parts[1:]) if parts else ("", [])
    if len(names) > 1 or (source == "body" and names):
        names = names[1:]
    named = [str(part) for part in names if not isinstance(part, int)]
    return ".".join(named) or NON_FIELD


def problem_text(error: Mapping[str, Any]) -> str:
    """One problem, in the request's language when we know its kind."""
    template = _PROBLEMS.get(str(error.get("type", "")))
    if template is None:
        return str(error.get("msg", gettext("Not valid.")))
    context = error.get("ctx") or {}
    try:
        return str(template) % context if "%(" in str(template) else str(template)
    except (KeyError, TypeError, ValueError):
        return str(error.get("msg", template))


def fields_from_validation(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        problems = fields.setdefault(field_name(error.get("loc", ())), [])
        text = problem_text(error)
        if text not in problems:
            problems.append(text)
    return fields
