"""The plans panel on the case file, through the browser-facing views."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from doorstep.plans.models import Letter, Plan, Promise

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def as_user(client: Client, world: Any, name: str) -> Client:
    client.force_login(world.user(name))
    return client


OFFER = {
    "plan_type": "interest_freeze",
    "months": "3",
    "annual_rate": "0",
    "monthly_fee_pct": "0",
    "penalty_waiver_pct": "0",
    "interest_waiver_pct": "0",
    "principal_discount_pct": "0",
    "holiday_months": "0",
    "first_payment": "0",
    "reason": "",
}


def test_the_panel_shows_proposals_and_the_forms_to_the_agent(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    response = as_user(client, world, "agent_li").get(f"/plans/case/{zhang.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fastest affordable" in html
    assert "Offer a plan" in html
    auditor = as_user(Client(), world, "auditor_chen").get(f"/plans/case/{zhang.pk}/")
    assert auditor.status_code == 200
    assert "Offer a plan" not in auditor.content.decode()
    assert as_user(Client(), world, "agent_sun").get(f"/plans/case/{zhang.pk}/").status_code == 404


def test_offering_through_htmx_returns_the_panel_with_the_schedule(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(client, world, "agent_li")
    response = agent.post(f"/plans/case/{zhang.pk}/offer/", OFFER, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "833.34" in response.content.decode()
    assert Plan.objects.get().status == "offered"


def test_a_refused_offer_shows_the_error_on_the_term(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(client, world, "agent_li")
    response = agent.post(
        f"/plans/case/{zhang.pk}/offer/",
        {**OFFER, "plan_type": "instalments", "months": "48"},
        HTTP_HX_REQUEST="true",
    )
    assert (
        "This policy allows at most 36 months for this kind of plan." in response.content.decode()
    )
    assert not Plan.objects.exists()


def test_a_promise_and_an_acceptance_without_htmx_redirect_to_the_case(
    world, zhang, client
) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(client, world, "agent_li")
    due = timezone.localdate()
    response = agent.post(
        f"/plans/case/{zhang.pk}/promise/",
        {"amount": "100.00", "due_on": str(due), "channel": "call"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cases/{zhang.pk}/#plans")
    assert Promise.objects.get().amount == 100
    agent.post(f"/plans/case/{zhang.pk}/offer/", OFFER)
    plan = Plan.objects.get()
    refused = agent.post(
        f"/plans/{plan.pk}/accept/", {"via": "in_person", "signature": ""}, HTTP_HX_REQUEST="true"
    )
    assert "An acceptance in person needs the debtor&#x27;s signature." in refused.content.decode()
    agent.post(f"/plans/{plan.pk}/accept/", {"via": "self_service"})
    plan.refresh_from_db()
    assert plan.status == "active"


def test_a_letter_is_sent_printed_bilingually_and_its_delivery_recorded(
    world, zhang, client
) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(client, world, "agent_li")
    sent = agent.post(f"/plans/case/{zhang.pk}/letter/", HTTP_HX_REQUEST="true")
    assert sent.status_code == 200
    letter = Letter.objects.get()
    page = agent.get(f"/plans/letters/{letter.pk}/").content.decode()
    for text in ("张伟", "2500.00", "您的权利", "Your rights", "How to check or dispute", "95500"):
        assert text in page
    agent.post(f"/plans/letters/{letter.pk}/outcome/", {"delivered": "1"})
    letter.refresh_from_db()
    assert letter.status == "delivered"
    assert (
        as_user(Client(), world, "agent_sun").get(f"/plans/letters/{letter.pk}/").status_code == 404
    )


def test_the_agreement_prints_the_schedule_in_both_languages(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(client, world, "agent_li")
    agent.post(f"/plans/case/{zhang.pk}/offer/", OFFER)
    page = agent.get(f"/plans/{Plan.objects.get().pk}/agreement/").content.decode()
    assert "还款计划协议" in page
    assert "Repayment plan agreement" in page
    assert "833.34" in page
    assert "Interest freeze with instalments" in page


def test_the_case_file_loads_the_plans_panel(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    html = as_user(client, world, "agent_li").get(f"/cases/{zhang.pk}/").content.decode()
    assert f'hx-get="/plans/case/{zhang.pk}/"' in html


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def test_the_letter_and_the_agreement_download_as_pdf(world, zhang, client) -> None:  # type: ignore[no-untyped-def]
    agent = as_user(client, world, "agent_li")
    agent.post(f"/plans/case/{zhang.pk}/letter/", HTTP_HX_REQUEST="true")
    letter = Letter.objects.get()
    notice = agent.get(f"/plans/letters/{letter.pk}.pdf")
    assert notice["Content-Type"] == "application/pdf"
    text = pdf_text(notice.content)
    for expected in ("2500.00", "95500", "Your rights", letter.content_hash[:16]):
        assert expected in text
    assert agent.get(f"/plans/letters/{letter.pk}.pdf").content == notice.content  # reproducible

    agent.post(f"/plans/case/{zhang.pk}/offer/", OFFER)
    plan = Plan.objects.get()
    agreement = pdf_text(agent.get(f"/plans/{plan.pk}/agreement.pdf").content)
    assert "833.34" in agreement
    assert "Interest freeze with instalments" in agreement
    stranger = as_user(Client(), world, "agent_sun")
    assert stranger.get(f"/plans/{plan.pk}/agreement.pdf").status_code == 404
    assert stranger.get(f"/plans/letters/{letter.pk}.pdf").status_code == 404
