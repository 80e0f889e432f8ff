"""Training through HTTP: the planner's check over the API, completions, and the screen."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.oversight.training.services import courses_seed_defaults

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def courses(world):  # type: ignore[no-untyped-def]
    return courses_seed_defaults()


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_the_planner_check_says_why_an_agent_is_not_cleared(world, client, courses) -> None:
    client.force_login(world.user("manager_wang"))
    number = world.agent_li.employee_number
    check = client.get(f"/api/v1/training/staff/{number}").json()
    assert check["current"] is False
    assert [gap["course"] for gap in check["gaps"]] == [
        "communication",
        "field-safety",
        "legal-basics",
        "pipl",
    ]
    for course in courses:
        recorded = post(
            client,
            "/api/v1/training/completions",
            {
                "staff": number,
                "course": course.code,
                "completed_on": str(timezone.localdate()),
                "score": 88,
            },
        )
        assert recorded.status_code == 201
    assert client.get(f"/api/v1/training/staff/{number}").json() == {
        "employee_number": number,
        "on": str(timezone.localdate()),
        "current": True,
        "gaps": [],
    }


def test_another_branch_is_out_of_reach(world, client, courses) -> None:
    client.force_login(world.user("manager_wang"))
    number = world.agent_sun.employee_number
    assert client.get(f"/api/v1/training/staff/{number}").status_code == 404
    response = post(
        client,
        "/api/v1/training/completions",
        {"staff": number, "course": "pipl", "completed_on": "2026-01-01", "score": 90},
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["staff"]


def test_only_administrators_create_courses(world, client, courses) -> None:
    body = {"code": "ethics", "title_zh": "职业道德", "title_en": "Ethics", "topic": "other"}
    client.force_login(world.user("manager_wang"))
    assert post(client, "/api/v1/training/courses", body).status_code == 403
    client.force_login(world.user("compliance_zhou"))
    assert post(client, "/api/v1/training/courses", body).status_code == 201
    due = client.get("/api/v1/training/staff?due=1").json()
    assert due["count"] == 3


def test_the_screen_records_a_completion_with_htmx(world, client, courses) -> None:
    client.force_login(world.user("manager_wang"))
    page = client.get("/oversight/training/?due=1").content.decode()
    assert "not cleared for field visits" in page
    course = next(course for course in courses if course.code == "pipl")
    row = client.post(
        f"/oversight/training/staff/{world.agent_li.pk}/",
        {"course": course.pk, "completed_on": str(timezone.localdate()), "score": 95},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f'id="training-{world.agent_li.pk}"' in row
    assert "training-current" in row


def test_the_oversight_hub_counts_what_needs_attention(world, client, courses) -> None:
    client.force_login(world.user("manager_wang"))
    page = client.get("/oversight/").content.decode()
    assert "People due: 2" in page
    assert 'href="/oversight/"' in page
