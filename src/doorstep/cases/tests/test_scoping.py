"""Who sees which case, and who may change it, proven through the API for every person.

The cast is ``core.testing``'s world plus a few people the rules single out: a legal specialist
and a complaint handler who are not attached to anything, and a case that 西湖 (XH) transferred to
滨江 (BJ). Four cases:

- ``zhang``: XH, worked by agent_li, legal_qian attached.
- ``huang``: BJ, new and unassigned, finance_wu attached.
- ``zhao``: XH, worked by agent_zhao (phone).
- ``moved``: opened at XH for agent_li, transferred to BJ and given to agent_sun; complaints_sun
  handles a complaint about it.

Every write is tried by every person inside a savepoint that is rolled back afterwards, so each
attempt starts from the same state; a refused attempt must leave every row as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from doorstep.cases import services
from doorstep.cases.models import Assignment, Case, CaseParticipant, Entry, StatusChange, Transfer
from doorstep.core.testing import AS_OF, make_account, make_customer, make_staff
from doorstep.portfolio.models import PersonalDataAccess
from doorstep.staff.models import Role, StaffMember

pytestmark = pytest.mark.django_db

PEOPLE = (
    "manager_wang",
    "branch_admin_he",
    "agent_li",
    "agent_zhao",
    "manager_liu",
    "agent_sun",
    "compliance_zhou",
    "auditor_chen",
    "admin",
    "legal_qian",
    "legal_ma",
    "finance_wu",
    "complaints_sun",
    "complaints_gao",
)
CASES = ("zhang", "huang", "zhao", "moved")
EVERY_CASE = set(CASES)

VISIBLE = {
    "manager_wang": {"zhang", "zhao", "moved"},  # its branch, plus the one it transferred out
    "branch_admin_he": {"zhang", "zhao", "moved"},
    "agent_li": {"zhang"},  # no longer ``moved``: it left with the transfer
    "agent_zhao": {"zhao"},
    "manager_liu": {"huang", "moved"},
    "agent_sun": {"moved"},
    "compliance_zhou": EVERY_CASE,
    "auditor_chen": EVERY_CASE,
    "admin": EVERY_CASE,
    "legal_qian": {"zhang"},
    "legal_ma": set(),
    "finance_wu": {"huang"},
    "complaints_sun": {"moved"},
    "complaints_gao": set(),
}


@dataclass
class Scene:
    world: Any
    cases: dict[str, Case]
    extra: dict[str, StaffMember]
    # One client signed in as each person in turn: a new Client loads the middleware again.
    browser: Client = field(default_factory=Client)

    def staff(self, name: str) -> StaffMember:
        member: StaffMember = self.extra.get(name) or getattr(self.world, name)
        return member

    def client(self, name: str) -> Client:
        self.browser.force_login(self.staff(name).user)
        return self.browser


@pytest.fixture
def scene(world) -> Scene:  # type: ignore[no-untyped-def]
    extra = {
        "legal_ma": make_staff("legal_ma", Role.LEGAL_SPECIALIST),
        "complaints_gao": make_staff("complaints_gao", Role.COMPLAINT_HANDLER),
    }
    wang = world.user("manager_wang")

    def opened(name: str, national_id: str) -> Case:
        customer = make_customer(name, national_id=national_id, phone="1370000" + national_id[-4:])
        account = make_account(customer, world.xh, dues=[(date(2026, 5, 1), "900.00")])
        return services.case_open(customer=customer, accounts=[account], as_of=AS_OF)

    zhao = services.case_assign(
        case=opened("赵敏", "330102199001015555"), agent=world.agent_zhao, actor=wang
    )
    moved = services.case_assign(
        case=opened("周强", "330102198802026666"), agent=world.agent_li, actor=wang
    )
    moved = services.case_transfer(case=moved, to_branch=world.bj, actor=wang, reason="Moved")
    moved = services.case_assign(case=moved, agent=world.agent_sun, actor=world.user("manager_liu"))
    services.case_attach(
        case=world.zhang_case, staff=world.legal_qian, capacity="legal", actor=wang
    )
    services.case_attach(
        case=world.huang_case, staff=world.finance_wu, capacity="finance", actor=wang
    )
    services.case_attach(case=moved, staff=world.complaints_sun, capacity="complaint", actor=wang)
    cases = {"zhang": world.zhang_case, "huang": world.huang_case, "zhao": zhao, "moved": moved}
    return Scene(world=world, cases=cases, extra=extra)


def snapshot() -> dict[str, list[Any]]:
    """Every row a case write could touch."""
    return {
        "cases": list(
            Case.objects.order_by("pk").values_list(
                "pk", "status", "agent_id", "team_id", "branch_id", "closed_at"
            )
        ),
        "entries": list(Entry.objects.order_by("pk").values_list("pk", "case_id", "body")),
        "status_changes": list(StatusChange.objects.order_by("pk").values_list("pk", "to_status")),
        "assignments": list(
            Assignment.objects.order_by("pk").values_list("pk", "agent_id", "ended_at")
        ),
        "transfers": list(Transfer.objects.order_by("pk").values_list("pk", "to_branch_id")),
        "participants": list(CaseParticipant.objects.order_by("pk").values_list("pk", "staff_id")),
        "personal_data_reads": list(PersonalDataAccess.objects.values_list("pk", flat=True)),
    }


@pytest.mark.parametrize("person", PEOPLE)
def test_the_case_list_shows_exactly_the_cases_in_scope(scene, person) -> None:
    response = scene.client(person).get("/api/v1/cases?page_size=50")
    assert response.status_code == 200
    body = response.json()
    expected = {scene.cases[key].reference for key in VISIBLE[person]}
    assert {item["reference"] for item in body["items"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("person", PEOPLE)
def test_a_case_out_of_scope_answers_404_everywhere(scene, person) -> None:
    client = scene.client(person)
    seen = {}
    for key, case in scene.cases.items():
        statuses = {
            client.get(f"/api/v1/cases/{case.pk}{tail}").status_code
            for tail in ("", "/customer", "/accounts", "/history", "/entries")
        }
        [seen[key]] = statuses  # every read of one case answers alike
    assert seen == {key: 200 if key in VISIBLE[person] else 404 for key in CASES}


def attempt(scene: Scene, person: str, case: Case, action: str) -> int:
    """Try ``action`` on ``case`` as ``person``; the status code."""
    world = scene.world
    in_xh = case.branch_id == world.xh.pk
    requests: dict[str, tuple[str, dict[str, Any]]] = {
        "note": ("entries", {"kind": "note", "body": "Called twice."}),
        "message": ("entries", {"kind": "message", "body": "Please check the address."}),
        "transition": ("transition", {"status": "promised", "reason": "Pays on Friday"}),
        # XH cases go to agent_zhao; BJ's have no other agent, so they are unassigned.
        "assign": ("assign", {"agent_id": world.agent_zhao.pk if in_xh else None}),
        "transfer": (
            "transfer",
            {"branch_id": (world.bj if in_xh else world.xh).pk, "reason": "Debtor moved"},
        ),
        "attach": ("participants", {"staff_id": scene.extra["legal_ma"].pk, "capacity": "legal"}),
        "reveal": ("customer/reveal", {"reason": "Identity check at the door"}),
    }
    tail, payload = requests[action]
    response = scene.client(person).post(
        f"/api/v1/cases/{case.pk}/{tail}", payload, content_type="application/json"
    )
    return response.status_code


def outcomes(scene: Scene, key: str, action: str) -> dict[str, int]:
    """Each person's answer to one write, each from the same starting state; a refusal must
    change nothing."""
    answers = {}
    for person in PEOPLE:
        with transaction.atomic():
            before = snapshot()
            answers[person] = attempt(scene, person, scene.cases[key], action)
            if answers[person] >= 400:
                assert snapshot() == before, (person, action, key)
            transaction.set_rollback(True)
    return answers


def expect(**groups: tuple[str, ...]) -> dict[str, int]:
    """``ok=(…), denied=(…)`` → everyone's expected status; everyone not named gets 404."""
    codes = {"ok": 200, "created": 201, "denied": 403}
    answers = dict.fromkeys(PEOPLE, 404)
    for group, people in groups.items():
        answers.update(dict.fromkeys(people, codes[group]))
    return answers


READ_ONLY = ("compliance_zhou", "auditor_chen")

# zhang's case: XH runs it, agent_li works it, legal_qian is attached.
XH_RUNS = ("manager_wang", "branch_admin_he", "admin")
ZHANG_WORKERS = ("agent_li", "legal_qian")
ZHANG_WRITES = {
    "note": expect(created=(*XH_RUNS, *ZHANG_WORKERS), denied=READ_ONLY),
    "message": expect(created=(*XH_RUNS, *ZHANG_WORKERS), denied=READ_ONLY),
    "transition": expect(ok=(*XH_RUNS, *ZHANG_WORKERS), denied=READ_ONLY),
    "assign": expect(ok=XH_RUNS, denied=(*ZHANG_WORKERS, *READ_ONLY)),
    "transfer": expect(ok=XH_RUNS, denied=(*ZHANG_WORKERS, *READ_ONLY)),
    "attach": expect(created=XH_RUNS, denied=(*ZHANG_WORKERS, *READ_ONLY)),
    "reveal": expect(ok=(*XH_RUNS, *ZHANG_WORKERS, "compliance_zhou"), denied=("auditor_chen",)),
}

# The moved case: BJ runs it now, agent_sun works it, complaints_sun handles a complaint, and
# XH, which transferred it out, keeps only the thread.
BJ_RUNS = ("manager_liu", "admin")
XH_LEFT = ("manager_wang", "branch_admin_he")
MOVED_WRITES = {
    "note": expect(
        created=(*BJ_RUNS, "agent_sun", "complaints_sun"), denied=(*XH_LEFT, *READ_ONLY)
    ),
    "message": expect(
        created=(*BJ_RUNS, "agent_sun", "complaints_sun", *XH_LEFT), denied=READ_ONLY
    ),
    "transition": expect(
        ok=(*BJ_RUNS, "agent_sun"), denied=(*XH_LEFT, "complaints_sun", *READ_ONLY)
    ),
    "assign": expect(ok=BJ_RUNS, denied=(*XH_LEFT, "agent_sun", "complaints_sun", *READ_ONLY)),
    "transfer": expect(ok=BJ_RUNS, denied=(*XH_LEFT, "agent_sun", "complaints_sun", *READ_ONLY)),
    "attach": expect(created=BJ_RUNS, denied=(*XH_LEFT, "agent_sun", "complaints_sun", *READ_ONLY)),
    "reveal": expect(
        ok=(*BJ_RUNS, "agent_sun", "complaints_sun", "compliance_zhou"),
        denied=(*XH_LEFT, "auditor_chen"),
    ),
}


@pytest.mark.parametrize("action", sorted(ZHANG_WRITES))
def test_who_may_write_to_a_case_worked_in_its_own_branch(scene, action) -> None:
    assert outcomes(scene, "zhang", action) == ZHANG_WRITES[action]


@pytest.mark.parametrize("action", sorted(MOVED_WRITES))
def test_who_may_write_to_a_case_transferred_between_branches(scene, action) -> None:
    assert outcomes(scene, "moved", action) == MOVED_WRITES[action]


@pytest.mark.parametrize("person", READ_ONLY)
def test_compliance_and_audit_read_every_case_but_change_none(scene, person) -> None:
    for key in CASES:
        assert scene.client(person).get(f"/api/v1/cases/{scene.cases[key].pk}").status_code == 200
        with transaction.atomic():
            before = snapshot()
            answers = {
                action: attempt(scene, person, scene.cases[key], action)
                for action in ("note", "message", "transition", "assign", "transfer", "attach")
            }
            assert snapshot() == before
            transaction.set_rollback(True)
        assert set(answers.values()) == {403}, (key, answers)


def test_an_out_of_scope_write_reveals_nothing_and_changes_nothing(scene) -> None:
    before = snapshot()
    answers = {
        action: attempt(scene, "agent_sun", scene.cases["zhang"], action)
        for action in ("note", "message", "transition", "assign", "transfer", "attach", "reveal")
    }
    assert set(answers.values()) == {404}
    assert snapshot() == before


def test_a_transfer_moves_the_case_out_of_the_old_agents_list(scene) -> None:
    agent_li = scene.client("agent_li")
    moved = scene.cases["moved"]
    assert agent_li.get(f"/api/v1/cases/{moved.pk}").status_code == 404
    history = scene.client("manager_liu").get(f"/api/v1/cases/{moved.pk}/history").json()
    assert [a["agent"] and a["agent"]["display_name"] for a in history["assignments"]] == [
        None,
        "agent_li",
        None,
        "agent_sun",
    ]
