"""Training: validity arithmetic, the planner's check with its reasons, assignment by role,
recording completions, and who sees whom."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.models import TrainingAssignment
from doorstep.oversight.training import rules, services
from doorstep.oversight.training.rules import Pass, State
from doorstep.oversight.training.selectors import (
    training_current,
    training_gaps,
    training_overview,
)


def test_validity_ends_the_day_before_the_same_date_months_later() -> None:
    assert rules.expires_on(date(2026, 3, 15), 12) == date(2027, 3, 14)
    assert rules.expires_on(date(2024, 2, 29), 12) == date(2025, 2, 27)
    assert rules.expires_on(date(2026, 1, 31), 1) == date(2026, 2, 27)


def test_states_across_a_completion_lifetime() -> None:
    passes = [Pass(date(2026, 1, 1), date(2026, 12, 31))]
    assert rules.state(passes, date(2025, 12, 31)) == (State.MISSING, None)
    assert rules.state(passes, date(2026, 6, 1)) == (State.CURRENT, date(2026, 12, 31))
    assert rules.state(passes, date(2026, 12, 31)) == (State.EXPIRING, date(2026, 12, 31))
    assert rules.state(passes, date(2027, 1, 1)) == (State.EXPIRED, date(2026, 12, 31))


@pytest.fixture
def courses(db):  # type: ignore[no-untyped-def]
    return {course.code: course for course in services.courses_seed_defaults()}


def pass_all(world, courses, who: str = "agent_li", on: date | None = None) -> None:  # type: ignore[no-untyped-def]
    on = on or timezone.localdate() - timedelta(days=10)
    for course in courses.values():
        if getattr(world, who).role in course.mandatory_roles:
            services.training_complete(
                course=course,
                staff=getattr(world, who),
                actor=world.user("compliance_zhou"),
                completed_on=on,
                score=90,
            )


@pytest.mark.django_db
def test_a_field_agent_without_training_is_not_current_and_the_reason_names_the_course(
    world, courses
) -> None:
    today = timezone.localdate()
    assert not training_current(world.agent_li, today)
    gaps = training_gaps(world.agent_li, today)
    assert [gap.course for gap in gaps] == ["communication", "field-safety", "legal-basics", "pipl"]
    assert gaps[1].reason == "agent_li has not passed “Field visit safety”."


@pytest.mark.django_db
def test_passing_every_mandatory_course_makes_training_current_until_it_expires(
    world, courses
) -> None:
    today = timezone.localdate()
    pass_all(world, courses)
    assert training_current(world.agent_li, today)
    later = rules.add_months(today, 12)
    assert not training_current(world.agent_li, later)
    assert "expired on" in training_gaps(world.agent_li, later)[0].reason


@pytest.mark.django_db
def test_a_score_under_the_pass_mark_does_not_count(world, courses) -> None:
    completion = services.training_complete(
        course=courses["field-safety"],
        staff=world.agent_li,
        actor=world.user("manager_wang"),
        completed_on=timezone.localdate(),
        score=79,
    )
    assert (completion.passed, completion.expires_on) == (False, None)
    assert "field-safety" in [
        gap.course for gap in training_gaps(world.agent_li, timezone.localdate())
    ]


@pytest.mark.django_db
def test_a_phone_agent_does_not_need_field_safety(world, courses) -> None:
    pass_all(world, courses, who="agent_zhao")
    assert training_current(world.agent_zhao, timezone.localdate())


@pytest.mark.django_db
def test_a_manager_records_only_their_branch(world, courses) -> None:
    with pytest.raises(services.TrainingRefused):
        services.training_complete(
            course=courses["pipl"],
            staff=world.agent_sun,
            actor=world.user("manager_wang"),
            completed_on=timezone.localdate(),
            score=95,
        )


@pytest.mark.django_db
def test_assignment_by_role_skips_the_current_and_is_idempotent(world, courses) -> None:
    pass_all(world, courses)
    due = timezone.localdate() + timedelta(days=30)
    admin = world.user("admin")
    assert (
        services.training_assign_by_role(course=courses["field-safety"], actor=admin, due_on=due)
        == 1
    )
    assert TrainingAssignment.objects.get().staff == world.agent_sun
    assert (
        services.training_assign_by_role(course=courses["field-safety"], actor=admin, due_on=due)
        == 0
    )
    assert LedgerEntry.objects.filter(kind="training.assigned").count() == 2


@pytest.mark.django_db
def test_completion_in_the_future_is_refused(world, courses) -> None:
    with pytest.raises(DomainError) as refused:
        services.training_complete(
            course=courses["pipl"],
            staff=world.agent_li,
            actor=world.user("compliance_zhou"),
            completed_on=timezone.localdate() + timedelta(days=1),
            score=95,
        )
    assert refused.value.field == "completed_on"


@pytest.mark.django_db
def test_managers_see_who_is_due_in_their_branch(world, courses) -> None:
    pass_all(world, courses)
    rows = training_overview(
        user=world.user("manager_wang"), on_date=timezone.localdate(), due_only=True
    )
    assert [row.staff for row in rows] == [world.agent_zhao]
    everyone = training_overview(user=world.user("compliance_zhou"), on_date=timezone.localdate())
    assert {row.staff.user.username for row in everyone} == {"agent_li", "agent_zhao", "agent_sun"}
    assert training_overview(user=world.user("agent_li"), on_date=timezone.localdate())[0].current


@pytest.mark.django_db
def test_completions_are_ledgered_without_personal_data(world, courses) -> None:
    pass_all(world, courses)
    entry = LedgerEntry.objects.filter(kind="training.completed").first()
    assert world.agent_li.employee_number in entry.data
    assert '"score":90' in entry.data
