"""A kind of approval that exists only in these tests: renaming a branch.

Small routes make every routing rule visible: a rename of a branch with an ``amount`` of at
least 100,000 goes to the rename committee, a ``risk`` of 80 or more to head-office
administrators, anything else to the managers of that branch. Approving renames the branch (the
handler); rejecting or withdrawing leaves it as it was and notes the refusal.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from doorstep.oversight import registry
from doorstep.oversight.models import ApprovalRequest, Committee
from doorstep.oversight.registry import ApprovalKind, Route
from doorstep.oversight.services import approval_request
from doorstep.staff.models import Branch, Role

RENAME = "tests.branch_rename"
REFUSED: list[int] = []


def rename(request: ApprovalRequest) -> None:
    Branch.objects.filter(pk=request.subject_id).update(name=request.payload["name"])


def refused(request: ApprovalRequest) -> None:
    REFUSED.append(request.pk)


@pytest.fixture
def rename_kind(monkeypatch):  # type: ignore[no-untyped-def]
    kind = ApprovalKind(
        code=RENAME,
        label="Rename a branch",
        routes=(
            Route(committee="rename-committee", min_amount=Decimal("100000")),
            Route(roles=frozenset({Role.HEAD_OFFICE_ADMIN.value}), min_risk=80),
            Route(roles=frozenset({Role.COLLECTIONS_MANAGER.value}), same_branch=True),
        ),
        sla=timedelta(hours=4),
        on_approve=rename,
        on_reject=refused,
    )
    monkeypatch.setitem(registry._KINDS, RENAME, kind)
    REFUSED.clear()
    return kind


@pytest.fixture
def committee(world):  # type: ignore[no-untyped-def]
    group = Committee.objects.create(code="rename-committee", name="Rename committee", quorum=2)
    group.members.set([world.compliance_zhou, world.manager_wang, world.manager_liu])
    return group


@pytest.fixture
def ask(world, rename_kind):  # type: ignore[no-untyped-def]
    """``ask(name, **kw)``: ``name`` asks to rename branch XH (to 西湖新支行 by default)."""

    def make(name: str = "agent_li", **kwargs: Any) -> ApprovalRequest:
        new_name = kwargs.pop("new_name", "西湖新支行")
        return approval_request(
            kind=RENAME,
            subject=world.xh,
            summary=f"Rename XH to {new_name}",
            payload={"name": new_name},
            requested_by=world.user(name),
            reason="The branch moved.",
            branch=kwargs.pop("branch", world.xh),
            **kwargs,
        )

    return make
