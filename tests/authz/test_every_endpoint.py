"""Every endpoint, as every role and as an anonymous visitor.

Generated from the URL configuration and the API's OpenAPI schema: each URL pattern and each API
operation must have a rule in ``rules.py`` (who may use it), and each is called as every principal
against a small world of real objects (``world.py``), each call rolled back. Allowed principals
must not be refused (401, 403, or a redirect to sign in); the others must be (401, 403, or 404 for
what lies outside their scope). A new endpoint without a rule fails here, named.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode
from tests.authz.endpoints import (
    ApiOperation,
    WebEndpoint,
    api_operations,
    call,
    flattened_example,
    let_through,
    refused,
    request_models,
    web_endpoints,
)
from tests.authz.params import (
    API_BODIES,
    API_OPERATION_PARAMS,
    API_PARAMS,
    API_QUERY,
    WEB_DATA,
    WEB_PARAMS,
)
from tests.authz.rules import API_RULES, WEB_RULES
from tests.authz.world import ACTORS, ANONYMOUS, AuthzWorld, build_authz_world

PRINCIPALS = (*ACTORS, ANONYMOUS)
MISSING_INT = 2_000_000_000


def rule_gaps(
    web: list[str], operations: list[str], web_rules: Any, api_rules: Any
) -> tuple[list[str], list[str]]:
    """Endpoints without a rule, and rules for endpoints that no longer exist."""
    found = set(web) | set(operations)
    ruled = set(web_rules) | set(api_rules)
    return sorted(found - ruled), sorted(ruled - found)


def test_every_url_pattern_and_api_operation_has_a_rule() -> None:
    web = [endpoint.name for endpoint in web_endpoints()]
    operations = [operation.key for operation in api_operations()]
    assert len(web) > 50
    assert len(operations) > 100
    missing, stale = rule_gaps(web, operations, WEB_RULES, API_RULES)
    assert not missing, (
        "Endpoints without an authorisation rule (add each to tests/authz/rules.py with the "
        "roles that may use it): " + ", ".join(missing)
    )
    assert not stale, "Rules for endpoints that no longer exist: " + ", ".join(stale)


def test_an_endpoint_without_a_rule_is_named() -> None:
    missing, stale = rule_gaps(
        ["cases:detail", "cases:export_everything"],
        ["GET /api/v1/cases", "GET /api/v1/customers/dump"],
        {"cases:detail": set(), "cases:gone": set()},
        {"GET /api/v1/cases": set()},
    )
    assert missing == ["GET /api/v1/customers/dump", "cases:export_everything"]
    assert stale == ["cases:gone"]


def _client(world: AuthzWorld, principal: str) -> Client:
    client = Client()
    if principal != ANONYMOUS:
        client.force_login(world.user(principal))
    return client


def _web_url(endpoint: WebEndpoint, world: AuthzWorld, principal: str) -> str:
    params = WEB_PARAMS.get(endpoint.name, {})
    kwargs = {name: world.value(key, principal) for name, key in params.items()}
    for name in re.findall(r"<(?:\w+:)?(\w+)>", endpoint.route):
        # A parameter with no object in the world: one that does not exist (all get 404).
        kwargs.setdefault(name, MISSING_INT if f"<int:{name}>" in endpoint.route else "missing")
    return reverse(endpoint.name, kwargs=kwargs)


def _api_request(
    operation: ApiOperation, world: AuthzWorld, principal: str, models: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    path = operation.path
    names = {**API_PARAMS, **API_OPERATION_PARAMS.get(operation.key, {})}
    for parameter in operation.operation.get("parameters", []):
        if parameter["in"] == "path":
            key = names.get(parameter["name"], "missing")
            path = path.replace("{" + parameter["name"] + "}", str(world.value(key, principal)))
    schemas = models.get(operation.key, {})
    query = flattened_example(schemas["query"]) if "query" in schemas else {}
    query.update(API_QUERY.get(operation.key, {}))
    if query:
        path = f"{path}?{urlencode(query)}"
    body = operation.operation.get("requestBody")
    if not body:
        return path, {}
    data: dict[str, Any] = {}
    for source in ("body", "form", "file"):
        if source in schemas:
            data.update(flattened_example(schemas[source]))
    data.update(API_BODIES.get(operation.key, {}))
    if next(iter(body["content"])) == "application/json":
        return path, {"data": data, "content_type": "application/json"}
    files = {
        key: SimpleUploadedFile("x.csv", value) if isinstance(value, bytes) else value
        for key, value in data.items()
    }
    return path, {"data": files}


def _verdict(rule: Any, principal: str, response: Any) -> str | None:
    if principal in rule and not let_through(response):
        return f"refused {response.status_code}, but the rule lets {principal} in"
    if principal not in rule and not refused(response):
        return f"answered {response.status_code}, but the rule refuses {principal}"
    return None


@pytest.mark.slow
@pytest.mark.django_db
def test_every_endpoint_lets_in_exactly_the_principals_its_rule_names() -> None:
    world = build_authz_world()
    models = request_models()
    breaches = []
    calls = 0
    for principal in PRINCIPALS:
        client = _client(world, principal)
        for endpoint in web_endpoints():
            url = _web_url(endpoint, world, principal)
            response = call(client, "GET", url)
            if response.status_code == 405:
                response = call(client, "POST", url, data=WEB_DATA.get(endpoint.name, {}))
            calls += 1
            if endpoint.name not in WEB_RULES:
                breaches.append(f"{endpoint.name}: no rule")
                continue
            problem = _verdict(WEB_RULES[endpoint.name], principal, response)
            if problem:
                breaches.append(f"{endpoint.name} ({url}) as {principal}: {problem}")
        for operation in api_operations():
            path, kwargs = _api_request(operation, world, principal, models)
            response = call(client, operation.method, path, **kwargs)
            calls += 1
            assert response.status_code < 500, f"{operation.key} as {principal}: server error"
            if operation.key not in API_RULES:
                breaches.append(f"{operation.key}: no rule")
                continue
            problem = _verdict(API_RULES[operation.key], principal, response)
            if problem:
                breaches.append(f"{operation.key} as {principal}: {problem}")
    assert calls == len(PRINCIPALS) * (len(web_endpoints()) + len(api_operations()))
    assert not breaches, "\n".join(breaches)
