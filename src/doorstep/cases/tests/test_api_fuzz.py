"""Schemathesis throws generated requests at every operation of the OpenAPI schema, signed in as a
manager, first valid ones and then ones that break the schema: whatever it sends, the API answers
a status the schema documents, and never a 5xx."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from doorstep.wsgi import application

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

EXAMPLES_PER_OPERATION = 30
# Revoking the token would leave the rest of the run signed out; revocation has its own tests.
SKIPPED = {("DELETE", "/api/v1/auth/token")}


def in_test_transaction(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """The site as WSGI, minus the closing of old database connections around each request,
    which would end the test's transaction on PostgreSQL (Django's test Client does the same)."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        body = b"".join(response)
        response.close()  # type: ignore[attr-defined]
    finally:
        for signal in signals:
            signal.connect(close_old_connections)
    return [body]


def test_generated_requests_get_documented_answers_and_no_server_error(world) -> None:
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "manager_wang", "password": settings.DEMO_PASSWORD},
        content_type="application/json",
    )
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", in_test_transaction)
    operations = [
        operation
        for operation in (result.ok() for result in schema.get_all_operations())
        if (operation.method.upper(), operation.path) not in SKIPPED
    ]
    assert len(operations) >= 14
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for operation in operations:

            @hypothesis_settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case) -> None:
                answer = case.call(headers=headers)
                case.validate_response(answer, checks=[not_a_server_error, status_code_conformance])

            check()
