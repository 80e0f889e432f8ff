"""The privacy pages: compliance officers use them, other roles get 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from doorstep.privacy.models import ConsentEvent, RetentionRun

pytestmark = pytest.mark.django_db


def as_user(client: Client, world: Any, name: str) -> Client:
    client.force_login(world.user(name))
    return client


def test_a_compliance_officer_sees_notices_purposes_and_retention_rules(world, client) -> None:
    page = as_user(client, world, "compliance_zhou").get("/privacy/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Collecting the debt under the credit contract" in text
    assert "Necessary for the contract" in text
    assert "Publish a new version" in text


def test_an_agent_gets_403_on_every_privacy_page(world, client) -> None:
    as_user(client, world, "agent_li")
    for url in ("/privacy/", f"/privacy/customers/{world.debtor_zhang.pk}/", "/privacy/retention/"):
        assert client.get(url).status_code == 403, url


def test_a_customer_is_found_by_number_and_a_withdrawal_recorded(world, client, notice) -> None:
    as_user(client, world, "compliance_zhou")
    found = client.get("/privacy/customers/", {"q": world.debtor_zhang.external_id})
    url = f"/privacy/customers/{world.debtor_zhang.pk}/"
    assert found.status_code == 302
    assert found["Location"] == url
    form = {"purpose": "sensitive_whereabouts", "channel": "branch", "evidence": "form F-3"}

    given = client.post(f"{url}consents/", form | {"action": "given", "at": "2026-03-01 10:00"})
    withdrawn = client.post(f"{url}consents/", form | {"action": "withdrawn"})
    page = client.get(url)

    assert (given.status_code, withdrawn.status_code) == (302, 302)
    assert list(ConsentEvent.objects.order_by("at").values_list("action", flat=True)) == [
        "given",
        "withdrawn",
    ]
    assert "form F-3" in page.content.decode()


def test_withdrawing_a_consent_never_given_shows_the_refusal(world, client) -> None:
    as_user(client, world, "compliance_zhou")
    response = client.post(
        f"/privacy/customers/{world.debtor_zhang.pk}/consents/",
        {"purpose": "transfer_to_buyer", "action": "withdrawn", "channel": "sms", "evidence": "x"},
    )
    assert response.status_code == 400
    assert "There is no consent in force to withdraw." in response.content.decode()


def test_a_dry_run_from_the_page_shows_its_report(world, client) -> None:
    as_user(client, world, "compliance_zhou")
    started = client.post("/privacy/retention/", {"dry_run": "on", "as_of": "2029-01-10"})
    run = RetentionRun.objects.get()

    assert started.status_code == 302
    page = client.get(f"/privacy/retention/{run.pk}/")
    assert page.status_code == 200
    assert "Holds that kept records" in page.content.decode()
    assert client.get("/privacy/retention/").status_code == 200


def test_an_auditor_reads_but_cannot_run_retention(world, client) -> None:
    as_user(client, world, "auditor_chen")
    assert client.get("/privacy/retention/").status_code == 200
    assert client.post("/privacy/retention/", {"dry_run": "on"}).status_code == 403


def test_the_case_page_links_compliance_to_the_customers_privacy_page(world, client) -> None:
    link = f"/privacy/customers/{world.debtor_zhang.pk}/"
    case_url = f"/cases/{world.zhang_case.pk}/"

    officer = as_user(client, world, "compliance_zhou").get(case_url)
    agent = as_user(Client(), world, "agent_li").get(case_url)

    assert officer.status_code == agent.status_code == 200
    assert link in officer.content.decode()
    assert link not in agent.content.decode()
