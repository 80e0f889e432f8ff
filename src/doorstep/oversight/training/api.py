"""Training over JSON: courses, assignment by role, completions, who is due, and the check
the planner makes (``GET /training/staff/{employee_number}``: current or not, and why).

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination
from doorstep.core.errors import DomainError
from doorstep.oversight.models import Completion, Course
from doorstep.oversight.training import services
from doorstep.oversight.training.rules import Topic
from doorstep.oversight.training.selectors import (
    course_by_code,
    course_list,
    course_title,
    staff_in_scope,
    training_gaps,
    training_overview,
)
from doorstep.staff.models import Role

router = Router(tags=["training"])

Code = Annotated[str, Path(max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]
Number = Annotated[str, Path(max_length=20)]


class CourseOut(Schema):
    code: str
    title: str
    title_zh: str
    title_en: str
    topic: str
    mandatory_roles: list[str]
    validity_months: int
    pass_score: int
    is_active: bool

    @staticmethod
    def resolve_title(course: Course) -> str:
        return course_title(course)


@router.get("/training/courses", response=list[CourseOut])
def training_courses(request: HttpRequest) -> Any:
    return course_list()


class CourseIn(ApiInput):
    code: str = Field(max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    title_zh: str = Field(max_length=120)
    title_en: str = Field(max_length=120)
    topic: Topic
    mandatory_roles: list[Role] = Field(default_factory=list)
    validity_months: int = Field(12, ge=1, le=60)
    pass_score: int = Field(80, ge=0, le=100)


@router.post("/training/courses", response={201: CourseOut})
def training_course_create(request: HttpRequest, payload: CourseIn) -> Status[Course]:
    course = services.course_create(
        actor=request.user,
        code=payload.code,
        title_zh=payload.title_zh,
        title_en=payload.title_en,
        topic=payload.topic.value,
        mandatory_roles=[role.value for role in payload.mandatory_roles],
        validity_months=payload.validity_months,
        pass_score=payload.pass_score,
    )
    return Status(201, course)


def _course(code: str) -> Course:
    course = course_list().filter(code=code).first()
    if course is None:
        raise Http404
    return course


class AssignIn(ApiInput):
    due_on: date


class AssignOut(Schema):
    assigned: int


@router.post("/training/courses/{code}/assign", response=AssignOut)
def training_assign(request: HttpRequest, code: Code, payload: AssignIn) -> dict[str, int]:
    """Assign the course to everyone of its mandatory roles not current on ``due_on``."""
    count = services.training_assign_by_role(
        course=_course(code), actor=request.user, due_on=payload.due_on
    )
    return {"assigned": count}


class CompletionIn(ApiInput):
    staff: str = Field(max_length=20, description="Employee number.")
    course: str = Field(max_length=40, description="Course code.")
    completed_on: date
    score: int = Field(ge=0, le=100)


class CompletionOut(Schema):
    id: int
    staff: str
    course: str
    completed_on: date
    score: int
    passed: bool
    expires_on: date | None

    @staticmethod
    def resolve_staff(item: Completion) -> str:
        return item.staff.employee_number

    @staticmethod
    def resolve_course(item: Completion) -> str:
        return item.course.code


@router.post("/training/completions", response={201: CompletionOut})
def training_completion(request: HttpRequest, payload: CompletionIn) -> Status[Completion]:
    staff = staff_in_scope(user=request.user).filter(employee_number=payload.staff).first()
    if staff is None:
        raise DomainError("unknown_staff", services.unknown_staff(payload.staff), field="staff")
    course = course_by_code(payload.course)
    completion = services.training_complete(
        course=course,
        staff=staff,
        actor=request.user,
        completed_on=payload.completed_on,
        score=payload.score,
    )
    return Status(201, completion)


class CourseStateOut(Schema):
    course: str
    state: str
    until: date | None


class StaffTrainingOut(Schema):
    employee_number: str
    name: str
    role: str
    branch: str | None
    current: bool
    courses: list[CourseStateOut]


class OverviewQuery(Schema):
    due: bool = Field(False, description="Only people with a course missing, expired or expiring.")
    on: date | None = None


@router.get("/training/staff", response=list[StaffTrainingOut])
@paginate(BoundedPageNumberPagination)
def training_staff(request: HttpRequest, filters: Query[OverviewQuery]) -> list[dict[str, Any]]:
    on = filters.on or timezone.localdate()
    return [
        {
            "employee_number": row.staff.employee_number,
            "name": row.staff.display_name,
            "role": row.staff.role,
            "branch": row.staff.branch.code if row.staff.branch else None,
            "current": row.current,
            "courses": [
                {"course": item.course.code, "state": item.state.value, "until": item.until}
                for item in row.courses
            ],
        }
        for row in training_overview(user=request.user, on_date=on, due_only=filters.due)
    ]


class GapOut(Schema):
    course: str
    state: str
    reason: str


class CheckOut(Schema):
    employee_number: str
    on: date
    current: bool = Field(description="Every mandatory course of the role has a valid pass.")
    gaps: list[GapOut]


class CheckQuery(Schema):
    on: date | None = None


@router.get("/training/staff/{employee_number}", response=CheckOut)
def training_check(
    request: HttpRequest, employee_number: Number, query: Query[CheckQuery]
) -> dict[str, Any]:
    """Whether this person's training is current on ``on`` (today by default), and why not."""
    staff = staff_in_scope(user=request.user).filter(employee_number=employee_number).first()
    if staff is None:
        raise Http404
    on = query.on or timezone.localdate()
    gaps = training_gaps(staff, on)
    return {
        "employee_number": staff.employee_number,
        "on": on,
        "current": not gaps,
        "gaps": [
            {"course": gap.course, "state": gap.state.value, "reason": gap.reason} for gap in gaps
        ],
    }
