"""Reads of training: is someone's training current (the planner's check), what is missing
and why, and who is due — scoped like staff: a branch's managers and administrators see their
branch, compliance officers, auditors and head-office administrators everyone, anyone else
only themselves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.oversight.models import Completion, Course
from doorstep.oversight.training import rules
from doorstep.oversight.training.rules import State
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import ALL_BRANCH_ROLES, BRANCH_ROLES, staff_for

TRAINING_ADMINS = frozenset({Role.COMPLIANCE_OFFICER, Role.HEAD_OFFICE_ADMIN})
RECORDERS = TRAINING_ADMINS | BRANCH_ROLES


def course_title(course: Course) -> str:
    """The title in the language of the request."""
    language = translation.get_language() or "zh-hans"
    return course.title_en if language.startswith("en") else course.title_zh


def course_list() -> QuerySet[Course]:
    return Course.objects.all()


def course_by_code(code: str, *, field: str = "course") -> Course:
    """A course by its code; a wrong code is a 400 naming ``field``."""
    course = Course.objects.filter(code=code.strip()).first()
    if course is None:
        raise DomainError(
            "unknown_course", _("No course has the code “%(code)s”.") % {"code": code}, field=field
        )
    return course


def mandatory_courses(role: str) -> list[Course]:
    return [
        course for course in Course.objects.filter(is_active=True) if role in course.mandatory_roles
    ]


@dataclass(frozen=True)
class CourseState:
    course: Course
    state: State
    until: date | None  # the last valid day of the best completion

    @property
    def valid(self) -> bool:
        return rules.is_valid(self.state)


def _passes(staff_ids: Iterable[int]) -> dict[tuple[int, int], list[rules.Pass]]:
    found: dict[tuple[int, int], list[rules.Pass]] = defaultdict(list)
    rows = Completion.objects.filter(staff_id__in=list(staff_ids), passed=True).values_list(
        "staff_id", "course_id", "completed_on", "expires_on"
    )
    for staff_id, course_id, completed_on, expires_on in rows:
        if expires_on is not None:  # always set on a pass
            found[(staff_id, course_id)].append(rules.Pass(completed_on, expires_on))
    return found


def training_status(staff: StaffMember, on_date: date) -> list[CourseState]:
    """The state of every mandatory course of ``staff``'s role on ``on_date``."""
    passes = _passes([staff.pk])
    return [
        CourseState(course, *rules.state(passes.get((staff.pk, course.pk), []), on_date))
        for course in mandatory_courses(staff.role)
    ]


@dataclass(frozen=True)
class Gap:
    """A mandatory course ``staff`` has no valid pass of on the day, and why, in words."""

    course: str
    state: State
    reason: str


def training_gaps(staff: StaffMember, on_date: date) -> list[Gap]:
    """Why ``staff``'s training is not current on ``on_date`` (empty when it is): what the
    planner shows when it refuses to give them a field visit."""
    gaps = []
    for item in training_status(staff, on_date):
        if item.valid:
            continue
        title = course_title(item.course)
        if item.state is State.EXPIRED:
            reason = _("%(name)s: “%(course)s” expired on %(day)s.") % {
                "name": staff.display_name,
                "course": title,
                "day": item.until,
            }
        else:
            reason = _("%(name)s has not passed “%(course)s”.") % {
                "name": staff.display_name,
                "course": title,
            }
        gaps.append(Gap(item.course.code, item.state, reason))
    return gaps


def training_current(staff: StaffMember, on_date: date) -> bool:
    """Whether ``staff`` holds a valid pass of every mandatory course of their role on
    ``on_date``. The planner calls this before it gives anyone a field visit."""
    return not training_gaps(staff, on_date)


def staff_in_scope(*, user: Any) -> QuerySet[StaffMember]:
    staff = staff_for(user)
    if staff is None:
        return StaffMember.objects.none()
    members = StaffMember.objects.filter(is_active=True).select_related("branch")
    if staff.role in ALL_BRANCH_ROLES:
        return members
    if staff.role in BRANCH_ROLES and staff.branch_id is not None:
        return members.filter(branch=staff.branch_id)
    return members.filter(pk=staff.pk)


@dataclass(frozen=True)
class StaffTraining:
    staff: StaffMember
    courses: list[CourseState]

    @property
    def current(self) -> bool:
        return all(item.valid for item in self.courses)

    @property
    def due(self) -> bool:
        """Something to do: a course missing, expired or about to expire."""
        return any(item.state is not State.CURRENT for item in self.courses)


def training_overview(*, user: Any, on_date: date, due_only: bool = False) -> list[StaffTraining]:
    """Every staff member ``user`` may see with the state of their mandatory courses."""
    members = list(staff_in_scope(user=user))
    courses = list(Course.objects.filter(is_active=True))
    passes = _passes(member.pk for member in members)
    rows = []
    for member in members:
        states = [
            CourseState(course, *rules.state(passes.get((member.pk, course.pk), []), on_date))
            for course in courses
            if member.role in course.mandatory_roles
        ]
        row = StaffTraining(member, states)
        if states and (row.due or not due_only):
            rows.append(row)
    return rows


def may_record(*, user: Any, staff: StaffMember) -> bool:
    """Compliance officers and head-office administrators record anyone's completions; a
    branch's managers and administrators those of their branch."""
    actor = staff_for(user)
    if actor is None or actor.role not in RECORDERS:
        return False
    return actor.role in TRAINING_ADMINS or actor.branch_id == staff.branch_id
