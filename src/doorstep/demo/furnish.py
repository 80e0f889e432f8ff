"""What a bank sets up beside its records, so every screen of the demo has something to work on.

The planner forms teams only from agents whose mandatory training is current, offers beyond a
manager's authority need the credit committee, and the debtor assistant serves only the
articles stored as reviewed: a demo bank without these would show empty plans and a silent
assistant. Each goes through its app's own service (and so into the ledger), in one
transaction after the bulk load.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from doorstep.agencies.demo import demo_agency
from doorstep.assistant.services import kb_sync
from doorstep.oversight.models import Committee
from doorstep.oversight.models.training import Course
from doorstep.oversight.training.services import courses_seed_defaults, training_complete
from doorstep.plans.services import COMMITTEE
from doorstep.staff.models import Role, StaffMember

# The staff took their courses this long before the demo's day, with this score.
TRAINED_DAYS_BEFORE = 45
TRAINING_SCORE = 92
CREDIT_COMMITTEE_NAME = "信贷审批委员会"
CREDIT_COMMITTEE_ROLES = (Role.HEAD_OFFICE_ADMIN, Role.COLLECTIONS_MANAGER)


@transaction.atomic
def demo_furnish(*, as_of: date) -> None:
    """Courses passed by everyone who must hold them, the credit committee, the articles."""
    recorder = (
        StaffMember.objects.filter(role=Role.HEAD_OFFICE_ADMIN, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if recorder is None:
        return  # no staff: nothing to furnish for
    courses_seed_defaults()
    completed_on = min(as_of, timezone.localdate()) - timedelta(days=TRAINED_DAYS_BEFORE)
    for course in Course.objects.order_by("code"):
        members = StaffMember.objects.filter(is_active=True, role__in=course.mandatory_roles)
        for member in members.order_by("pk"):
            training_complete(
                course=course,
                staff=member,
                actor=recorder.user,
                completed_on=completed_on,
                score=TRAINING_SCORE,
            )
    committee, _created = Committee.objects.get_or_create(
        code=COMMITTEE, defaults={"name": CREDIT_COMMITTEE_NAME, "quorum": 2}
    )
    committee.members.set(
        StaffMember.objects.filter(is_active=True, role__in=CREDIT_COMMITTEE_ROLES)
    )
    kb_sync()
    demo_agency(recorder=recorder.user, as_of=as_of)
