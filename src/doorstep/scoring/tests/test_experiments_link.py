"""The champion–challenger pages are reached from the dashboards, by the roles that read them."""

from __future__ import annotations

import pytest
from django.test import Client

from doorstep.core.testing import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["manager_wang", "compliance_zhou", "auditor_chen", "admin"])
def test_the_dashboards_link_to_the_experiments(world: World, username: str) -> None:
    client = Client()
    client.force_login(world.user(username))

    page = client.get("/reports/").content.decode()

    assert 'href="/scoring/experiments/"' in page
    assert client.get("/scoring/experiments/").status_code == 200


def test_a_field_agent_reaches_neither(world: World) -> None:
    client = Client()
    client.force_login(world.user("agent_li"))

    assert client.get("/reports/").status_code == 403
    assert client.get("/scoring/experiments/").status_code == 403
