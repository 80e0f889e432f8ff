"""Every endpoint of the site, read from the URL configuration and the API's OpenAPI schema, and
how to call one as a principal (a role, or an anonymous visitor)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from doorstep.api import api

API_PREFIX = "api/"


@dataclass(frozen=True)
class WebEndpoint:
    name: str  # namespace:name
    route: str  # the pattern, e.g. cases/<int:pk>/


@dataclass(frozen=True)
class ApiOperation:
    method: str
    path: str  # as in the schema, e.g. /api/v1/cases/{case_id}
    operation: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[WebEndpoint]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            joined = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), joined)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"<unnamed {prefix}{pattern.pattern}>"
            yield WebEndpoint(
                name=f"{namespace}:{name}" if namespace else name,
                route=prefix + str(pattern.pattern),
            )


def web_endpoints() -> list[WebEndpoint]:
    """Every URL pattern but the API's operations (those come from the schema) and the Django
    admin's per-model pages (one rule covers the admin site: its index stands for it)."""
    found = []
    for endpoint in _walk(get_resolver().url_patterns, "", ""):
        if endpoint.route.startswith(API_PREFIX + "v1/"):
            continue
        if endpoint.route.startswith("admin/") and endpoint.name != "admin:index":
            continue
        found.append(endpoint)
    return found


def api_operations() -> list[ApiOperation]:
    schema = api.get_openapi_schema()
    return [
        ApiOperation(method.upper(), path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def request_models() -> dict[str, dict[str, dict[str, Any]]]:
    """Each operation's parameter models as self-contained JSON schemas, by source ("body",
    "query", "path"), keyed like ``ApiOperation.key``. Read from Ninja's own models rather than
    the OpenAPI document, whose components share one namespace across apps."""
    api.get_openapi_schema()  # makes Ninja build every router's operations
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    key = f"{method} /api{prefix}{path}"
                    for model in operation.models:
                        source = model.__ninja_param_source__
                        found.setdefault(key, {})[source] = model.model_json_schema()
    return found


def flattened_example(schema: dict[str, Any]) -> dict[str, Any]:
    """The least body or query a Ninja parameter model takes: one body model is sent flat (its
    fields at the top), and nested query models are flattened into the query string."""
    components = schema.get("$defs", {})
    values: dict[str, Any] = {}
    for name, field in schema.get("properties", {}).items():
        value = example(field, components, name)
        if isinstance(value, dict) and ("$ref" in field or "properties" in field):
            values.update(value)
        elif name in schema.get("required", []):
            values[name] = value
    return values


# Request bodies: the least a schema accepts, so the request reaches the permission check.

TEXT = "Checked on the authorisation test"
# Fields whose least valid value the schema cannot tell (a choice among others, a real id).
OVERRIDES: dict[str, Any] = {}


def example(schema: dict[str, Any], components: dict[str, Any], name: str = "") -> Any:
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[1]], components, name)
    if name in OVERRIDES:
        return OVERRIDES[name]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return example(options[0], components, name) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        return {
            key: example(value, components, key)
            for key, value in schema.get("properties", {}).items()
            if key in required
        }
    if kind == "array":
        item = example(schema.get("items", {}), components, name)
        return [item] * max(1, schema.get("minItems", 0)) if schema.get("minItems") else []
    if kind == "integer":
        return int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
    if kind == "number":
        if "exclusiveMaximum" in schema or "maximum" in schema:
            return float(schema.get("exclusiveMaximum", schema.get("maximum", 1))) / 2
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return date(2026, 7, 1).isoformat()
        if fmt == "date-time":
            return "2026-07-01T10:00:00+08:00"
        if fmt == "time":
            return "10:00:00"
        if fmt == "binary":
            return b"x"
        if "pattern" in schema:
            for candidate in ("1", "100.00", "2026-06", "2026Q2", "a"):
                if re.search(schema["pattern"], candidate) is not None:
                    return candidate
        text = TEXT
        if "maxLength" in schema:
            text = text[: schema["maxLength"]]
        return text
    return None


# Answers: what counts as let through, and what as refused.

REFUSED = {401, 403, 404}


def _to_sign_in(response: Any) -> bool:
    """A redirect to a sign-in page that will come back here (``?next=``): what
    ``login_required`` and the admin answer a visitor who is not signed in."""
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    return "login/?next=" in location


def refused(response: Any) -> bool:
    """A refusal: 401, 403 or 404 (outside the reader's scope), or a redirect to sign in."""
    return response.status_code in REFUSED or _to_sign_in(response)


def let_through(response: Any) -> bool:
    """Not refused for want of permission: anything but 401, 403 or a redirect to sign in (a
    404 here is an object the fixture could not build, never a scope refusal)."""
    return response.status_code not in (401, 403) and not _to_sign_in(response)


def call(client: Client, method: str, url: str, **kwargs: Any) -> Any:
    """One request, rolled back afterwards so no call changes what the next one sees: not the
    database, not the cache, and not the client's cookies (signing out is an endpoint too)."""
    cache.clear()
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = getattr(client, method.lower())(url, **kwargs)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response
