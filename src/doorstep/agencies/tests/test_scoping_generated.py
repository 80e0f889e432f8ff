"""Generated scoping test: every case endpoint of the API and every case page, asked by an
agency user about a case that is not placed with their agency (never placed, placed and
recalled, placed with another agency), answers exactly what it answers for a case that does
not exist, and changes nothing. The endpoints are read from the OpenAPI schema and the URL
patterns, so a new case endpoint is covered the day it is added.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from doorstep.agencies import services
from doorstep.agencies.rules import PlacementRules
from doorstep.agencies.tests.conftest import AgencyWorld, agency_user, register_agency
from doorstep.api import api
from doorstep.cases.models import Case
from doorstep.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

MISSING = 2**62


def case_operations() -> list[tuple[str, str]]:
    """(method, path template) of every API operation with a ``{case_id}``."""
    schema = api.get_openapi_schema()
    return sorted(
        (method, path)
        for path, operations in schema["paths"].items()
        if "{case_id}" in path
        for method in operations
    )


def case_pages() -> list[str]:
    """Every page URL pattern that takes a case id (``<int:pk>`` under /cases/)."""
    found = []

    def walk(patterns: Any, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif (
                isinstance(pattern, URLPattern)
                and route.startswith("cases/")
                and "<int:pk>" in route
            ):
                found.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(found)


def url(template: str, case_id: int) -> str:
    path = template.replace("{case_id}", str(case_id)).replace("<int:pk>", str(case_id))
    return re.sub(r"\{[a-z_]+\}", "1", path)


def ask(client: Client, method: str, path: str) -> tuple[int, Any]:
    if method == "get":
        response = client.get(path)
    else:
        response = client.generic(method.upper(), path, "{}", content_type="application/json")
    body = (
        response.json() if response.get("Content-Type", "").startswith("application/json") else None
    )
    return response.status_code, body


@pytest.fixture
def scoped(aw: AgencyWorld, client: Client) -> dict[str, Any]:
    """agency_liu's agency holds 5 cases; one more was placed and recalled; another agency
    holds one; zhang's case was never placed."""
    manager = aw.world.user("manager_wang")
    ends = timezone.localdate() + timedelta(days=60)
    mine = services.placement_place(
        actor=manager, agency=aw.xinda, rules=PlacementRules(limit=6), ends_on=ends
    )
    recalled = mine.placements.select_related("case").last()
    assert recalled is not None
    services.placements_recall(actor=manager, placements=[recalled], note="Recalled for a test.")
    other = register_agency(aw.world, code="huaxia")
    agency_user(aw.world, other, "agency_ma")
    theirs = services.placement_place(
        actor=manager, agency=other, rules=PlacementRules(limit=1), ends_on=ends
    )
    client.force_login(aw.agency_liu.user)
    placed = [p.case for p in mine.placements.select_related("case") if p.recalled_at is None]
    outside = {
        "never placed": aw.world.zhang_case
        if not aw.world.zhang_case.placements.exists()
        else None,
        "recalled": recalled.case,
        "another agency": theirs.placements.get().case,
    }
    return {"client": client, "placed": placed, "outside": {k: v for k, v in outside.items() if v}}


def test_the_generator_finds_the_case_endpoints() -> None:
    operations = case_operations()
    assert ("get", "/api/v1/cases/{case_id}/customer") in operations
    assert ("post", "/api/v1/cases/{case_id}/write-off") in operations
    assert len(operations) >= 20
    assert "/cases/<int:pk>/" in case_pages()


def test_every_case_endpoint_treats_an_unplaced_case_as_missing(scoped: dict[str, Any]) -> None:
    client: Client = scoped["client"]
    before = LedgerEntry.objects.count()
    statuses_before = dict(Case.objects.values_list("pk", "status"))
    for method, template in case_operations():
        missing = ask(client, method, url(template, MISSING))
        for why, case in scoped["outside"].items():
            answer = ask(client, method, url(template, case.pk))
            assert answer == missing, f"{method.upper()} {template} ({why}): {answer} ≠ {missing}"
            if method == "get":
                assert answer[0] == 404, f"GET {template} ({why}) answered {answer[0]}"
    for template in case_pages():
        for why, case in scoped["outside"].items():
            for method in ("get", "post"):
                status = ask(client, method, url(template, case.pk))[0]
                assert status in {404, 405}, f"{method} {template} ({why}) answered {status}"
    assert LedgerEntry.objects.count() == before
    assert dict(Case.objects.values_list("pk", "status")) == statuses_before


CASE_FILE = ("", "/customer", "/accounts", "/history", "/entries")


def test_the_case_file_of_a_placed_case_is_readable(scoped: dict[str, Any]) -> None:
    client: Client = scoped["client"]
    case = scoped["placed"][0]
    for tail in CASE_FILE:
        assert client.get(f"/api/v1/cases/{case.pk}{tail}").status_code == 200, tail
    for method, template in case_operations():
        if method == "get" and template.count("{") == 1:
            status = ask(client, method, url(template, case.pk))[0]
            assert status < 500, f"GET {template} answered {status}"
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_the_case_list_holds_exactly_the_placed_cases(scoped: dict[str, Any]) -> None:
    client: Client = scoped["client"]
    response = client.get("/api/v1/cases?page_size=100")
    assert {item["reference"] for item in response.json()["items"]} == {
        c.reference for c in scoped["placed"]
    }
    page = client.get("/cases/")
    for case in scoped["placed"]:
        assert case.reference.encode() in page.content
    for case in scoped["outside"].values():
        assert case.reference.encode() not in page.content
