"""The repayment-policy page: it shows the policy in force as a form, a manager's change
becomes a version waiting for approval, a policy problem is shown on its field, and only the
roles that set policy may propose."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.oversight.models import ApprovalRequest
from doorstep.plans.models import PlanPolicy
from doorstep.plans.policy import DEFAULT_RULES
from doorstep.plans.policy_forms import PolicyForm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def form_data(**changes: Any) -> dict[str, Any]:
    initial = PolicyForm.initial_from(DEFAULT_RULES)
    data = {key: value for key, value in initial.items() if value is not None}
    data["effective_from"] = "2099-01-01"
    data["reason"] = "Longer plans for agents after the autumn review."
    data.update(changes)
    return data


def test_the_page_shows_the_policy_in_force(world, client) -> None:
    client.force_login(world.user("manager_wang"))
    page = client.get("/plans/policies/")
    assert page.status_code == 200
    form = page.context["form"]
    assert form["agent_max_months"].value() == 12
    assert form["manager_max_principal_discount_pct"].value() == "10"
    assert b"Propose for approval" in page.content


def test_a_managers_change_waits_for_approval(world, client) -> None:
    client.force_login(world.user("manager_wang"))
    answer = client.post("/plans/policies/", form_data(agent_max_months="18"))
    assert answer.status_code == 302
    row = PlanPolicy.objects.get()
    assert row.status == PlanPolicy.Status.PROPOSED
    assert row.rules["limits"]["agent"]["max_months"] == 18
    assert row.rules["limits"]["manager"]["max_principal_discount_pct"] == "10"
    assert ApprovalRequest.objects.filter(subject_id=row.pk).exists()


def test_a_policy_problem_is_shown_on_its_field_and_nothing_is_stored(world, client) -> None:
    client.force_login(world.user("manager_wang"))
    answer = client.post(
        "/plans/policies/", form_data(agent_max_months="40", manager_max_months="36")
    )
    assert answer.status_code == 400
    assert answer.context["form"].errors["agent_max_months"]
    bad_order = client.post("/plans/policies/", form_data(allocation_order="fee, interest"))
    assert bad_order.status_code == 400
    assert bad_order.context["form"].errors["allocation_order"]
    assert not PlanPolicy.objects.exists()


def test_compliance_reads_agents_do_not_see_it(world, client) -> None:
    client.force_login(world.user("compliance_zhou"))
    page = client.get("/plans/policies/")
    assert page.status_code == 200
    assert b"Propose for approval" not in page.content
    assert client.post("/plans/policies/", form_data()).status_code == 404
    client.force_login(world.user("agent_li"))
    assert client.get("/plans/policies/").status_code == 404
