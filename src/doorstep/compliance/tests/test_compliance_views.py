"""The compliance screens: who may use which, the case panel, forms that say what is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from doorstep.compliance.models import CalendarArrangement, Hold, ParameterVersion
from doorstep.compliance.services import contact_record
from doorstep.compliance.tests.conftest import at
from doorstep.oversight.models import ApprovalRequest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def as_user(world, client):  # type: ignore[no-untyped-def]
    def sign_in(name: str) -> Client:
        client.force_login(world.user(name))
        return client

    return sign_in


@pytest.mark.parametrize(
    ("name", "log", "parameters", "calendars", "packs"),
    [
        ("compliance_zhou", 200, 200, 200, 200),
        ("auditor_chen", 200, 200, 200, 200),
        ("admin", 200, 200, 200, 200),
        ("manager_wang", 200, 403, 403, 403),
        ("branch_admin_he", 200, 403, 403, 403),
        ("agent_li", 403, 403, 403, 403),
        ("complaints_sun", 403, 403, 403, 403),
    ],
)
def test_who_may_open_each_compliance_screen(
    world, as_user, name, log, parameters, calendars, packs
) -> None:
    client = as_user(name)
    statuses = [
        client.get(url).status_code
        for url in (
            "/compliance/decisions/",
            "/compliance/parameters/",
            "/compliance/calendars/",
            "/compliance/packs/",
        )
    ]
    assert statuses == [log, parameters, calendars, packs]


def test_the_navigation_offers_compliance_only_to_those_who_read_it(world, as_user) -> None:
    officer = as_user("compliance_zhou").get("/cases/").content.decode()
    agent = as_user("agent_li").get("/cases/").content.decode()
    assert 'href="/compliance/"' in officer
    assert 'href="/compliance/"' not in agent
    assert 'href="/oversight/approvals/"' in agent


def test_a_manager_reads_the_log_of_their_branch_with_blocks_per_rule(
    world, as_user, decide
) -> None:
    zhang = decide("visit", at(2026, 10, 1))
    huang = decide("visit", at(2026, 10, 1), actor="manager_liu", case=world.huang_case)
    html = as_user("manager_wang").get("/compliance/decisions/").content.decode()
    assert f'href="/compliance/decisions/{zhang.pk}/"' in html
    assert f'href="/compliance/decisions/{huang.pk}/"' not in html
    assert '<a href="?rule=CN-HOL-01"><code>CN-HOL-01</code></a>' in html


def test_only_compliance_officers_see_the_change_form_and_may_propose(world, as_user) -> None:
    auditor = as_user("auditor_chen")
    assert "Propose a change" not in auditor.get("/compliance/parameters/cn/").content.decode()
    refused = auditor.post(
        "/compliance/parameters/cn/propose/",
        {"effective_from": "2030-01-01T00:00", "reason": "x"},
    )
    assert refused.status_code == 403
    assert not ParameterVersion.objects.exists()


def _form_values() -> dict[str, Any]:
    """The change form as it is shown, filled with the values in force."""
    from doorstep.compliance.engine import CnParams, params_to_dict

    values: dict[str, Any] = {}
    for name, value in params_to_dict(CnParams()).items():
        if isinstance(value, bool):
            if value:
                values[name] = "on"
        elif name == "limitation_warning_days":
            values[name] = ", ".join(str(day) for day in value)
        else:
            values[name] = value
    return values


def test_the_change_form_shows_the_engines_refusal_on_the_field(world, as_user) -> None:
    data = {
        **_form_values(),
        "visit_window": "9 to 5",
        "effective_from": "2030-01-01T09:00",
        "reason": "Longer days.",
    }
    page = as_user("compliance_zhou").post("/compliance/parameters/cn/propose/", data)
    html = page.content.decode()
    assert page.status_code == 200
    assert "must be a time window such as &quot;08:00-22:00&quot;" in html
    assert not ParameterVersion.objects.filter(number=2).exists()


def test_a_change_proposed_on_screen_waits_for_approval(world, as_user) -> None:
    data = {
        **_form_values(),
        "max_calls_per_day": "4",
        "effective_from": "2030-01-01T09:00",
        "reason": "Fewer calls.",
    }
    page = as_user("compliance_zhou").post("/compliance/parameters/cn/propose/", data)
    version = ParameterVersion.objects.get(number=2)
    assert page.status_code == 302
    assert (version.status, version.params["max_calls_per_day"], version.approval.kind) == (
        "pending",
        4,
        "compliance.parameters",
    )
    assert version.approval.payload["changes"] == {"max_calls_per_day": [6, 4]}


def test_a_calendar_uploaded_on_screen_is_pending(world, as_user) -> None:
    upload = SimpleUploadedFile(
        "2027.json",
        json.dumps({"year": 2027, "rest_days": ["2027-01-01"], "makeup_workdays": []}).encode(),
    )
    page = as_user("admin").post(
        "/compliance/calendars/upload/", {"file": upload, "source": "State Council notice"}
    )
    row = CalendarArrangement.objects.get()
    assert (page.status_code, row.status, row.loaded_by) == (302, "pending", world.user("admin"))


def test_a_pack_upload_shows_each_scenario_passing_or_failing(world, as_user) -> None:
    lines = [
        {
            "id": "ok-call",
            "contact": {"channel": "call", "at": "2026-03-02T10:00:00+08:00"},
            "expect": {"verdict": "allow"},
        },
        {
            "id": "bad-expect",
            "contact": {"channel": "call", "at": "2026-03-02T23:00:00+08:00"},
            "expect": {"verdict": "allow"},
        },
    ]
    upload = SimpleUploadedFile(
        "pack.jsonl", "\n".join(json.dumps(line) for line in lines).encode()
    )
    html = as_user("compliance_zhou").post("/compliance/packs/", {"file": upload}).content.decode()
    assert "1 passed, 1 failed" in html
    assert '<td class="ok">pass</td>' in html
    assert '<td class="fail">fail</td>' in html


def test_the_case_file_shows_limitation_holds_and_decisions(
    world, as_user, decide, contact
) -> None:
    visit = contact("visit", at(2026, 7, 1), "demand_stated", staff_count=2)
    blocked = decide("visit", at(2026, 10, 1))
    html = as_user("agent_li").get(f"/cases/{world.zhang_case.pk}/").content.decode()
    assert 'id="compliance"' in html
    assert "expires 2029-07-02" in html
    assert (
        "Last interrupted by Demand delivered on 2026-07-01: "
        f"Visit #{visit.pk}: Debtor reached, demand stated"
    ) in html
    assert f'href="/compliance/decisions/{blocked.pk}/"' in html
    assert "is a public-holiday rest day (National Day): no field visits" in html
    assert "Add a hold" in html
    assert "Release hold" not in html


def test_an_agent_adds_a_hold_from_the_case_file(world, as_user) -> None:
    page = as_user("agent_li").post(
        f"/compliance/cases/{world.zhang_case.pk}/holds/",
        {
            "kind": "cease_contact",
            "reason": "Asked us to stop calling.",
            "allowed_channels": ["letter"],
        },
    )
    hold = Hold.objects.get()
    assert page.status_code == 302
    assert (hold.kind, hold.allowed_channels, hold.created_by) == (
        "cease_contact",
        ["letter"],
        world.user("agent_li"),
    )
    refused = as_user("agent_li").post(
        f"/compliance/cases/{world.zhang_case.pk}/holds/{hold.pk}/release/", {"reason": "x"}
    )
    assert refused.status_code == 403


def test_a_decision_page_explains_in_both_languages_and_offers_an_override(
    world, as_user, decide
) -> None:
    blocked = decide("visit", at(2026, 10, 1))
    agent = as_user("agent_li")
    html = agent.get(f"/compliance/decisions/{blocked.pk}/").content.decode()
    assert "2026-10-01 是国庆节法定休息日，不得上门" in html
    assert "2026-10-01 is a public-holiday rest day (National Day)" in html
    assert "Ask for an override" in html
    page = agent.post(f"/compliance/decisions/{blocked.pk}/override/", {"reason": "He asked."})
    request = ApprovalRequest.objects.get()
    assert (page.status_code, request.kind, request.requested_by) == (
        302,
        "compliance.override",
        world.user("agent_li"),
    )
    officer = as_user("compliance_zhou").get(f"/oversight/approvals/{request.pk}/")
    assert f'href="/compliance/decisions/{blocked.pk}/"' in officer.content.decode()


def test_a_decision_is_not_shown_to_someone_outside_its_case(world, as_user, decide) -> None:
    blocked = decide("visit", at(2026, 10, 1))
    assert as_user("agent_sun").get(f"/compliance/decisions/{blocked.pk}/").status_code == 404


def test_the_log_shows_contacts_made_outside_a_decision_to_their_branch_only(
    world, as_user
) -> None:
    contact_record(
        case=world.zhang_case,
        channel="call",
        at=at(2026, 10, 8, 11),
        outcome="no_answer",
        actor=world.user("agent_li"),
    )
    officer = as_user("compliance_zhou").get("/compliance/decisions/").content.decode()
    assert 'id="outside-decisions"' in officer
    assert world.zhang_case.reference in officer
    other_branch = as_user("manager_liu").get("/compliance/decisions/").content.decode()
    assert 'id="outside-decisions"' not in other_branch
