"""A loaded demo bank is ready to plan, approve and answer: the furnishing after the rows."""

from __future__ import annotations

import pytest

from doorstep.assistant.selectors import served_versions
from doorstep.core.testing import AS_OF
from doorstep.demo.services import demo_load
from doorstep.oversight.models import Committee
from doorstep.oversight.training.selectors import training_current
from doorstep.plans.services import COMMITTEE
from doorstep.staff.models import Role, StaffMember

pytestmark = pytest.mark.django_db


def test_every_agent_can_be_planned_the_committee_sits_and_the_articles_are_served() -> None:
    demo_load(accounts=200, seed=7, as_of=AS_OF)
    agents = StaffMember.objects.filter(role__in=[Role.FIELD_AGENT, Role.PHONE_AGENT])
    assert agents.count() > 10
    assert all(training_current(agent, AS_OF) for agent in agents)
    committee = Committee.objects.get(code=COMMITTEE)
    assert committee.members.count() >= committee.quorum
    assert set(committee.members.values_list("role", flat=True)) == {
        Role.HEAD_OFFICE_ADMIN,
        Role.COLLECTIONS_MANAGER,
    }
    served = {(v.article.slug, v.article.lang) for v in served_versions()}
    assert {("field-visit-rights", "zh-hans"), ("field-visit-rights", "en")} <= served
