"""Complaints through HTTP: the public page without signing in, the status page, the rate
limit, and the staff screens' htmx actions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from doorstep.oversight.models import Complaint

pytestmark = pytest.mark.django_db

FORM = {
    "category": "harassment",
    "description": "晚上十点有人上门。",
    "name": "张伟",
    "phone": "13912345678",
    "email": "",
    "happened_on": "",
}


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    cache.clear()


def file(client: Client, **changes: str) -> Any:
    return client.post("/complaints/", {**FORM, **changes})


def code_of(response: Any) -> str:
    match = re.search(r'data-testid="code">(\d{8})<', response.content.decode())
    assert match is not None
    return match.group(1)


def test_anyone_can_file_without_signing_in_and_gets_reference_and_code(world, client) -> None:
    response = file(client)
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.reference in response.content.decode()
    assert len(code_of(response)) == 8
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_form_without_a_description_names_the_field_and_stores_nothing(world, client) -> None:
    response = file(client, description="")
    assert response.status_code == 200
    assert 'class="field has-error"' in response.content.decode()
    assert Complaint.objects.count() == 0


def test_the_status_page_needs_the_reference_and_the_code(world, client) -> None:
    filed = file(client)
    reference = Complaint.objects.get().reference
    wrong = client.post("/complaints/status/", {"reference": reference, "code": "00000000"})
    assert "No complaint matches" in wrong.content.decode()
    right = client.post("/complaints/status/", {"reference": reference, "code": code_of(filed)})
    assert 'data-testid="status">Received<' in right.content.decode()


def test_filing_is_rate_limited_per_address(world, client) -> None:
    for _n in range(5):
        assert file(client).status_code == 200
    assert file(client).status_code == 429
    assert Complaint.objects.count() == 5


def test_status_guessing_is_rate_limited(world, client) -> None:
    for _n in range(20):
        client.post("/complaints/status/", {"reference": "TS1", "code": "1"})
    response = client.post("/complaints/status/", {"reference": "TS1", "code": "1"})
    assert response.status_code == 429


def test_a_handler_links_the_complaint_with_htmx_and_the_case_is_held(world, client) -> None:
    file(client)
    complaint = Complaint.objects.get()
    client.force_login(world.user("complaints_sun"))
    base = f"/oversight/complaints/{complaint.reference}/"
    htmx = {"HTTP_HX_REQUEST": "true"}
    started = client.post(base + "start/", {}, **htmx)
    assert started.status_code == 200
    assert 'id="complaint-panel"' in started.content.decode()
    linked = client.post(
        base + "link/",
        {
            "link-case_reference": world.zhang_case.reference,
            "link-agent": "",
            "link-visit_reference": "",
        },
        **htmx,
    )
    body = linked.content.decode()
    assert world.zhang_case.reference in body
    assert "in force: no contact" in body
    complaint.refresh_from_db()
    assert (complaint.status, complaint.case) == ("investigating", world.zhang_case)


def test_linking_an_unknown_case_is_a_404_and_changes_nothing(world, client) -> None:
    file(client)
    complaint = Complaint.objects.get()
    client.force_login(world.user("complaints_sun"))
    response = client.post(
        f"/oversight/complaints/{complaint.reference}/link/",
        {"link-case_reference": "C000000-0000000", "link-agent": "", "link-visit_reference": ""},
    )
    assert response.status_code == 404
    complaint.refresh_from_db()
    assert complaint.case is None


def test_contact_details_are_masked_until_a_handler_reveals_them(world, client) -> None:
    file(client)
    complaint = Complaint.objects.get()
    client.force_login(world.user("complaints_sun"))
    page = client.get(f"/oversight/complaints/{complaint.reference}/").content.decode()
    assert "13912345678" not in page
    assert "139****5678" in page
    shown = client.post(
        f"/oversight/complaints/{complaint.reference}/reveal/", {"reveal-reason": "回电告知进展"}
    ).content.decode()
    assert "13912345678" in shown
    assert complaint.events.filter(action="revealed").count() == 1


def test_an_agent_cannot_open_a_complaint(world, client) -> None:
    file(client)
    complaint = Complaint.objects.get()
    client.force_login(world.user("agent_li"))
    assert client.get(f"/oversight/complaints/{complaint.reference}/").status_code == 404


def test_an_unknown_action_is_a_404(world, client) -> None:
    file(client)
    complaint = Complaint.objects.get()
    client.force_login(world.user("complaints_sun"))
    response = client.post(f"/oversight/complaints/{complaint.reference}/delete/", {})
    assert response.status_code == 404


def test_the_list_and_statistics_render_for_compliance(world, client) -> None:
    file(client)
    client.force_login(world.user("compliance_zhou"))
    listing = client.get("/oversight/complaints/")
    assert Complaint.objects.get().reference in listing.content.decode()
    stats = client.get("/oversight/complaints/stats/")
    assert stats.status_code == 200
    assert "Harassment" in stats.content.decode()
