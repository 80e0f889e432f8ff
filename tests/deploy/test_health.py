"""Liveness, readiness, metrics and the JSON log format."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import override_settings

from doorstep.core.health import JsonFormatter


def test_healthz_answers_without_touching_the_database(client) -> None:
    # No django_db mark: pytest-django makes any query here an error.
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readyz_is_ready_with_the_database_up_and_tasks_inline(client) -> None:
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ready", "checks": {"database": "ok", "broker": "eager"}},
    )


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_unreachable_and_hides_why(client, caplog) -> None:
    with override_settings(CELERY_BROKER_URL="redis://doorstep:hunter2@127.0.0.1:1/0"):
        response = client.get("/readyz")
    assert (response.status_code, response.json()) == (
        503,
        {"status": "not_ready", "checks": {"database": "ok", "broker": "unreachable"}},
    )
    assert "hunter2" not in response.content.decode()
    assert "readiness check broker failed" in caplog.text


@pytest.mark.django_db
def test_metrics_count_requests_by_route_pattern(client, world) -> None:
    middleware = ["doorstep.core.health.RequestMetricsMiddleware"]
    from django.conf import settings

    with override_settings(MIDDLEWARE=middleware + list(settings.MIDDLEWARE)):
        client.force_login(world.user("manager_wang"))
        client.get(f"/cases/{world.zhang_case.pk}/")
        body = client.get("/metrics").content.decode()
    assert 'doorstep_http_requests_total{method="GET",route="cases/<int:pk>/",status="2xx"}' in body
    assert f"/cases/{world.zhang_case.pk}/" not in body
    assert "doorstep_http_request_seconds_bucket" in body


def test_the_json_formatter_writes_one_object_per_line() -> None:
    record = logging.LogRecord(
        "doorstep.cases", logging.WARNING, __file__, 1, "case %s", ("C1",), None
    )
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "WARNING",
        "doorstep.cases",
        "case C1",
    )
    assert entry["time"].endswith("+00:00")
