"""The demo bank's people: three branches, their teams and forty staff in every role.

Pure data (no Django); role and team-kind values are the strings of ``staff.models.Role`` and
``Team.Kind`` (a test keeps them in step). The staff are the same whatever the seed, so the
printed demo logins and the people in screenshots never change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doorstep.demo.places import BRANCHES

# The logins ``doorstep demo logins`` prints, in that order.


@dataclass(frozen=True)
class TeamPlan:
    branch: int  # index into places.BRANCHES
    name: str
    kind: str


@dataclass(frozen=True)
class StaffPlan:
    username: str
    display_name: str
    role: str
    branch: int | None
    team: int | None  # index into TEAMS
    skills: tuple[str, ...]
    years_experience: int
    # Assignment weight among the branch's agents: senior agents carry more cases.
    caseload: float = 1.0


TEAM_KINDS = (("外访一组", "field"), ("电催一组", "phone"), ("法务组", "legal"))
BACK_OFFICE = ("综合后台组", "back_office")
TEAMS: tuple[TeamPlan, ...] = tuple(
    TeamPlan(branch, name, kind)
    for branch in range(len(BRANCHES))
    for name, kind in (*TEAM_KINDS, BACK_OFFICE)
)


def _team(branch: int, kind: str) -> int:
    return next(i for i, t in enumerate(TEAMS) if t.branch == branch and t.kind == kind)


FIELD_SKILLS = ("field_visit", "negotiation", "de_escalation")
PHONE_SKILLS = ("phone_collection", "negotiation")

# (username, display name, years, extra skills, caseload) per role and branch.
_BRANCH_STAFF: tuple[dict[str, list[tuple[str, str, int, tuple[str, ...], float]]], ...] = (
    {
        "collections_manager": [("manager_wang", "王建国", 16, ("team_lead",), 1.0)],
        "branch_admin": [("branchadmin_he", "何敏", 9, (), 1.0)],
        "field_agent": [
            ("agent_li", "李明", 8, ("hangzhou_dialect", "small_business"), 4.0),
            ("agent_zhao", "赵磊", 5, ("first_aid",), 4.0),
            ("field_wu", "吴斌", 3, (), 1.0),
        ],
        "phone_agent": [
            ("phone_xu", "徐婷", 4, ("hangzhou_dialect",), 1.0),
            ("phone_hu", "胡颖", 2, (), 1.0),
        ],
        "legal_specialist": [("legal_qian", "钱志远", 12, ("litigation",), 1.0)],
        "finance_specialist": [("finance_jiang", "蒋慧", 7, ("restructuring",), 1.0)],
    },
    {
        "collections_manager": [("manager_liu", "刘洋", 14, ("team_lead",), 1.0)],
        "branch_admin": [("branchadmin_gao", "高倩", 6, (), 1.0)],
        "field_agent": [
            ("field_sun", "孙浩", 6, ("small_business",), 1.0),
            ("field_zheng", "郑凯", 4, (), 1.0),
            ("field_luo", "罗鹏", 2, (), 1.0),
            ("field_xie", "谢飞", 9, ("hangzhou_dialect",), 1.0),
        ],
        "phone_agent": [
            ("phone_song", "宋娜", 3, (), 1.0),
            ("phone_tang", "唐雪", 5, ("elderly_debtors",), 1.0),
            ("phone_han", "韩梅", 1, (), 1.0),
        ],
        "legal_specialist": [("legal_feng", "冯志强", 11, ("litigation",), 1.0)],
        "finance_specialist": [("finance_deng", "邓琳", 6, ("restructuring",), 1.0)],
    },
    {
        "collections_manager": [("manager_shen", "沈国强", 18, ("team_lead",), 1.0)],
        "branch_admin": [("branchadmin_jin", "金秀英", 12, (), 1.0)],
        "field_agent": [
            ("field_lou", "楼建军", 10, ("hangzhou_dialect",), 1.0),
            ("field_yu", "俞杰", 3, (), 1.0),
            ("field_ying", "应涛", 5, ("small_business",), 1.0),
            ("field_cao", "曹勇", 2, (), 1.0),
        ],
        "phone_agent": [
            ("phone_peng", "彭丹", 4, (), 1.0),
            ("phone_zeng", "曾怡", 2, (), 1.0),
            ("phone_xiao", "肖璐", 6, ("elderly_debtors",), 1.0),
        ],
        "legal_specialist": [("legal_dong", "董文", 8, ("litigation",), 1.0)],
        "finance_specialist": [("finance_yuan", "袁萍", 5, ("restructuring",), 1.0)],
    },
)

_HEAD_OFFICE: tuple[tuple[str, str, str, int, tuple[str, ...]], ...] = (
    ("admin", "林涛", "head_office_admin", 10, ()),
    ("compliance_zhou", "周静", "compliance_officer", 11, ("compliance_review",)),
    ("compliance_xu", "徐蔚", "compliance_officer", 4, ("compliance_review",)),
    ("auditor_chen", "陈蕾", "internal_auditor", 9, ("audit_sampling",)),
    ("auditor_gu", "顾斌", "internal_auditor", 3, ("audit_sampling",)),
    ("complaints_sun", "孙丽", "complaint_handler", 7, ("complaint_handling", "de_escalation")),
    ("complaints_fang", "方婷", "complaint_handler", 2, ("complaint_handling",)),
)

_ROLE_TEAM = {
    "field_agent": "field",
    "phone_agent": "phone",
    "legal_specialist": "legal",
    "finance_specialist": "back_office",
    "branch_admin": "back_office",
}
_ROLE_SKILLS = {
    "field_agent": FIELD_SKILLS,
    "phone_agent": PHONE_SKILLS,
    "legal_specialist": ("legal_documents",),
    "finance_specialist": ("financial_analysis",),
}


def _staff() -> tuple[StaffPlan, ...]:
    people = [
        StaffPlan(username, name, role, None, None, skills, years)
        for username, name, role, years, skills in _HEAD_OFFICE
    ]
    for branch, roles in enumerate(_BRANCH_STAFF):
        for role, members in roles.items():
            kind = _ROLE_TEAM.get(role)
            team = _team(branch, kind) if kind else None
            for username, name, years, extra, caseload in members:
                skills = (*_ROLE_SKILLS.get(role, ()), *extra)
                people.append(
                    StaffPlan(username, name, role, branch, team, skills, years, caseload)
                )
    return tuple(people)


STAFF: tuple[StaffPlan, ...] = _staff()
STAFF_INDEX = {s.username: i for i, s in enumerate(STAFF)}


def start_locations() -> np.ndarray:
    """Where each person starts the working day: near their branch, or head office (西湖).

    A fixed generator, not the demo seed: the staff are the same in every demo.
    """
    rng = np.random.default_rng(20260101)
    points = np.empty((len(STAFF), 2))
    for i, person in enumerate(STAFF):
        site = BRANCHES[person.branch if person.branch is not None else 0]
        points[i] = (
            site.latitude + rng.normal(0, 0.03),
            site.longitude + rng.normal(0, 0.03),
        )
    return np.round(points, 6)
