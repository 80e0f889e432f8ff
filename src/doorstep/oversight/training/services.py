"""Every write of training, one transaction each with its ledger entry: courses, assignment
by role, and completions with their scores."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.ledger.services import ledger_append
from doorstep.oversight.models import Completion, Course, TrainingAssignment
from doorstep.oversight.training import rules
from doorstep.oversight.training.selectors import (
    TRAINING_ADMINS,
    may_record,
    training_status,
)
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import staff_for


class TrainingRefused(DomainError):
    status = 403


def unknown_staff(number: str) -> str:
    return _("No staff member you may see has the employee number “%(number)s”.") % {
        "number": number
    }


def _require_admin(actor: Any) -> None:
    staff = staff_for(actor)
    if staff is None or staff.role not in TRAINING_ADMINS:
        raise TrainingRefused(
            "forbidden", _("Only compliance officers and head-office administrators do this.")
        )


def _roles(values: Sequence[str]) -> list[str]:
    wrong = [value for value in values if value not in Role.values]
    if wrong:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a role.") % {"value": wrong[0]},
            field="mandatory_roles",
        )
    return sorted(set(values))


@transaction.atomic
def course_create(
    *,
    actor: Any,
    code: str,
    title_zh: str,
    title_en: str,
    topic: str,
    mandatory_roles: Sequence[str],
    validity_months: int = 12,
    pass_score: int = 80,
) -> Course:
    if actor is not None:
        _require_admin(actor)
    if topic not in {item.value for item in rules.Topic}:
        raise DomainError(
            "invalid_choice", _("“%(value)s” is not a topic.") % {"value": topic}, field="topic"
        )
    if not 1 <= validity_months <= 60:
        raise DomainError(
            "invalid_validity", _("A course is valid 1 to 60 months."), field="validity_months"
        )
    if not 0 <= pass_score <= 100:
        raise DomainError("invalid_score", _("A pass mark is 0 to 100."), field="pass_score")
    if Course.objects.filter(code=code).exists():
        raise DomainError("duplicate", _("A course with this code exists."), field="code")
    for field, value in (("code", code), ("title_zh", title_zh), ("title_en", title_en)):
        if not value.strip():
            raise DomainError("required", _("This field is required."), field=field)
    course = Course.objects.create(
        code=code.strip(),
        title_zh=title_zh.strip()[:120],
        title_en=title_en.strip()[:120],
        topic=topic,
        mandatory_roles=_roles(mandatory_roles),
        validity_months=validity_months,
        pass_score=pass_score,
    )
    ledger_append(
        kind="training.course_created",
        actor=actor,
        subject={"course": course.code},
        record={
            "topic": topic,
            "mandatory_roles": course.mandatory_roles,
            "validity_months": validity_months,
            "pass_score": pass_score,
        },
    )
    return course


# The courses the bank starts with (the seed's "regular legal training"); each mandatory for
# everyone who contacts debtors, and safety for field agents.
DEFAULT_COURSES = (
    ("legal-basics", "催收法律法规基础", "Collection law basics", rules.Topic.LEGAL, 12),
    ("pipl", "个人信息保护法与催收", "PIPL in collections", rules.Topic.PIPL, 12),
    ("field-safety", "上门外访安全", "Field visit safety", rules.Topic.SAFETY, 12),
    (
        "communication",
        "文明催收沟通技巧",
        "Respectful communication",
        rules.Topic.COMMUNICATION,
        24,
    ),
)
CONTACT_ROLES = (Role.FIELD_AGENT.value, Role.PHONE_AGENT.value)


@transaction.atomic
def courses_seed_defaults() -> list[Course]:
    """Create the default courses that do not exist yet (the demo and a new bank)."""
    made = []
    for code, title_zh, title_en, topic, months in DEFAULT_COURSES:
        if Course.objects.filter(code=code).exists():
            continue
        roles = (Role.FIELD_AGENT.value,) if topic is rules.Topic.SAFETY else CONTACT_ROLES
        made.append(
            course_create(
                actor=None,
                code=code,
                title_zh=title_zh,
                title_en=title_en,
                topic=topic.value,
                mandatory_roles=roles,
                validity_months=months,
            )
        )
    return made


@transaction.atomic
def training_assign_by_role(*, course: Course, actor: Any, due_on: date) -> int:
    """Assign ``course`` to every active staff member of its mandatory roles whose pass of it
    is not current on ``due_on`` (nobody twice for the same due date). Returns how many."""
    _require_admin(actor)
    if due_on < timezone.localdate():
        raise DomainError("in_past", _("The due date has passed."), field="due_on")
    if not course.mandatory_roles:
        raise DomainError(
            "no_roles", _("The course is mandatory for no role."), field="mandatory_roles"
        )
    members = StaffMember.objects.filter(is_active=True, role__in=course.mandatory_roles)
    already = set(
        TrainingAssignment.objects.filter(course=course, due_on=due_on).values_list(
            "staff_id", flat=True
        )
    )
    now = timezone.now()
    todo = [
        member
        for member in members
        if member.pk not in already
        and not any(
            item.valid for item in training_status(member, due_on) if item.course.pk == course.pk
        )
    ]
    TrainingAssignment.objects.bulk_create(
        TrainingAssignment(
            course=course, staff=member, due_on=due_on, assigned_by=actor, assigned_at=now
        )
        for member in todo
    )
    ledger_append(
        kind="training.assigned",
        actor=actor,
        subject={"course": course.code},
        record={
            "due_on": due_on,
            "staff": sorted(member.employee_number for member in todo),
        },
    )
    return len(todo)


@transaction.atomic
def training_complete(
    *, course: Course, staff: StaffMember, actor: Any, completed_on: date, score: int
) -> Completion:
    """Record an attempt: it passes at the course's pass mark and is then valid for the
    course's months from ``completed_on``."""
    if not may_record(user=actor, staff=staff):
        raise TrainingRefused("forbidden", _("You may not record training for this person."))
    if completed_on > timezone.localdate():
        raise DomainError("in_future", _("This date is in the future."), field="completed_on")
    if not 0 <= score <= 100:
        raise DomainError("invalid_score", _("A score is 0 to 100."), field="score")
    passed = score >= course.pass_score
    completion = Completion.objects.create(
        course=course,
        staff=staff,
        completed_on=completed_on,
        score=score,
        passed=passed,
        expires_on=rules.expires_on(completed_on, course.validity_months) if passed else None,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    ledger_append(
        kind="training.completed",
        actor=actor,
        subject={"course": course.code, "staff": staff.employee_number},
        record={
            "completed_on": completed_on,
            "score": score,
            "passed": passed,
            "expires_on": completion.expires_on,
        },
    )
    return completion
