"""The API's one error body, shared by Ninja's handlers and the middleware."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Location prefixes Ninja puts before the field name; dropped so ``fields`` names what the
# client actually sent (``username``, ``page``), not how Ninja parsed it.
_LOCATION_PARTS = {"body", "query", "path", "header", "cookie", "form", "file", "payload"}


def error_body(
    code: str, message: str, fields: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": dict(fields or {})}}


def fields_from_validation(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        while location and location[0] in _LOCATION_PARTS:
            location.pop(0)
        if len(location) > 1 and location[0] in {"data", "filters", "params"}:
            location.pop(0)
        name = ".".join(location) or "__all__"
        fields.setdefault(name, []).append(str(error.get("msg", "invalid")))
    return fields
